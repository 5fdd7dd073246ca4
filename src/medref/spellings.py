"""US and UK spellings of one word (data/spellings.txt), which search treats as the same word."""

from __future__ import annotations

from functools import cache
from pathlib import Path

SPELLINGS_FILE = Path(__file__).parent / "data" / "spellings.txt"
# Endings a listed word may carry and keep: "tumors" is "tumours", "fetuses" "foetuses".
_ENDINGS = ("es", "s")


@cache
def pairs() -> tuple[tuple[str, str], ...]:
    """Every (US, UK) pair, in the file's order."""
    out = []
    for line in SPELLINGS_FILE.read_text(encoding="utf-8").splitlines():
        words = line.split("#", 1)[0].split()
        if words:
            us, uk = words  # the file's format: exactly two words a line
            out.append((us, uk))
    return tuple(out)


@cache
def _others() -> dict[str, str]:
    others = {}
    for us, uk in pairs():
        others[us] = uk
        others[uk] = us
    return others


def variants(word: str) -> list[str]:
    """The other spellings of a folded word: "tumors" -> ["tumours"]; [] when it has none."""
    others = _others()
    other = others.get(word)
    if other is not None:
        return [other]
    for ending in _ENDINGS:
        stem = word[: -len(ending)]
        if word.endswith(ending) and stem in others:
            return [others[stem] + ending]
    return []


def spelt_forms() -> tuple[str, ...]:
    """Every listed spelling, for typo correction to a spelling the corpus may not use."""
    return tuple(_others())
