"""Ids, name keys and fuzzy matching of names and words."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_NON_ALNUM = re.compile(r"[\W_]+")  # keeps letters of every script, after fold()
# Names longer than this are not names: a lookup with one is a plain miss.
MAX_NAME = 300


# Combining marks left by NFKD decomposition: the accents that fold() removes.
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


# Characters that show as nothing: zero-width spaces and joiners, the soft hyphen, direction
# marks, the byte-order mark, variation selectors and tag characters (Unicode category Cf
# and the selectors). Names and queries ignore them, so "war\u200bfarin" is "warfarin".
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e0fff]"
)


def typed(text: str) -> str:
    """Text as a user typed it, as valid text: bytes that were not UTF-8 become U+FFFD."""
    if text.isascii():
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def fold(text: str) -> str:
    """Lower-case `text`, strip diacritics ("Café" -> "cafe") and drop invisible characters."""
    if text.isascii():
        return text.lower()
    text = _INVISIBLE.sub("", text)
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text.casefold()))


def slugify(text: str) -> str:
    """The id form of a name: ascii lower-case words joined by hyphens."""
    return _NON_ALNUM.sub("-", fold(text)).strip("-")


def name_key(text: str) -> str:
    """Key for matching names, ignoring case, accents, spaces and punctuation."""
    return _NON_ALNUM.sub("", fold(text[: MAX_NAME * 4]))


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance between a and b, or limit+1 once it exceeds limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        best = cur[0]
        ca = a[i - 1]
        for j in range(1, len(b) + 1):
            cost = 0 if ca == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
            best = min(best, v)
        if best > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def allowed_typos(word: str) -> int:
    """How many edits a word of this length may be away from what was meant."""
    n = len(word)
    return 0 if n < 4 else 1 if n < 7 else 2 if n < 12 else 3


def close_matches(word: str, candidates: Iterable[str], limit: int = 5) -> list[str]:
    """Candidates within the allowed edit distance of word, closest first, then alphabetical."""
    budget = max(1, allowed_typos(word))
    scored: list[tuple[int, str]] = []
    for cand in candidates:
        if cand == word:
            continue
        d = edit_distance(word, cand, budget)
        if d <= budget:
            scored.append((d, cand))
    scored.sort()
    return [c for _, c in scored[:limit]]
