"""The search query language: words, "phrases", -exclusions and prefix*, as FTS5 expressions.

User text never reaches SQL or FTS5 syntax directly. It is split into words, each word is
double-quoted as an FTS5 string (https://sqlite.org/fts5.html#fts5_strings), and the
expression is bound as a parameter. This module is pure: no index, no I/O.
"""

from __future__ import annotations

import re

from medref.names import fold
from medref.spellings import variants

# Matched words in snippets are wrapped in these markers (documented in the README).
MARK_OPEN = "**"
MARK_CLOSE = "**"


# Private-use characters mark matches inside SQLite; they are swapped for the markers above.
OPEN = "\ue000"
CLOSE = "\ue001"


MAX_TERMS = 16
MAX_TERM_LEN = 64


_WORD = re.compile(r"[^\W_]+")
_PIECE = re.compile(r'(-?)"([^"]*)"|(\S+)')


# Suffixes that porter stemming keeps apart ("allergy" -> allergi, "allergic" -> allergic).
_ROOT_SUFFIXES = ("ically", "ical", "ies", "ic", "y")


class Term:
    """One query term: a word, or several for a phrase."""

    __slots__ = ("negative", "prefix", "words")

    def __init__(self, words: list[str], prefix: bool = False, negative: bool = False) -> None:
        self.words = words
        self.prefix = prefix
        self.negative = negative

    @property
    def phrase(self) -> bool:
        return len(self.words) > 1

    def show(self) -> str:
        text = " ".join(self.words)
        if self.phrase:
            text = f'"{text}"'
        if self.prefix:
            text += "*"
        return ("-" if self.negative else "") + text


class Query:
    __slots__ = ("terms", "truncated")

    def __init__(self) -> None:
        self.terms: list[Term] = []
        self.truncated = False

    @property
    def positive(self) -> list[Term]:
        return [t for t in self.terms if not t.negative]

    def show(self) -> str:
        return " ".join(t.show() for t in self.terms)


def text_words(text: str) -> list[str]:
    """Words as queries read them: folded (case and accents), split at punctuation."""
    return [w[:MAX_TERM_LEN] for w in _WORD.findall(fold(text))]


def parse_query(text: str) -> Query:
    """Plain words AND, "a phrase", -exclude, prefix*; anything else is plain text."""
    q = Query()
    for m in _PIECE.finditer(text.replace("\x00", " ")):
        neg, quoted, bare = m.group(1), m.group(2), m.group(3)
        if quoted is not None:
            words = text_words(quoted)
            if words:
                q.terms.append(Term(words, negative=bool(neg)))
            continue
        negative = bare.startswith("-") and len(bare) > 1
        core = bare[1:] if negative else bare
        prefix = core.endswith("*")
        words = text_words(core)
        if not words:
            continue
        if negative:  # "-over-the-counter" excludes the whole phrase
            q.terms.append(Term(words, prefix=prefix, negative=True))
            continue
        for i, w in enumerate(words):
            q.terms.append(Term([w], prefix=prefix and i == len(words) - 1))
    if len(q.terms) > MAX_TERMS:
        q.terms = q.terms[:MAX_TERMS]
        q.truncated = True
    return q


def quote(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def root(word: str) -> str | None:
    """A shorter stem that joins forms porter keeps apart, e.g. allergy/allergic -> allerg."""
    for suffix in _ROOT_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return None


# A phrase stands for at most this many spellings ("severe diarrhea" and "severe diarrhoea").
MAX_PHRASE_SPELLINGS = 8


def spellings(words: list[str]) -> list[list[str]]:
    """A phrase's spellings: each word as typed or as its other (US or UK) spelling."""
    out: list[list[str]] = [[]]
    for word in words:
        forms = [word, *variants(word)]
        out = [[*done, form] for done in out for form in forms][:MAX_PHRASE_SPELLINGS]
    return out


def term_expr(term: Term) -> str:
    if term.phrase:
        star = "*" if term.prefix else ""
        phrases = [quote(" ".join(words)) + star for words in spellings(term.words)]
        return phrases[0] if len(phrases) == 1 else "(" + " OR ".join(phrases) + ")"
    word = term.words[0]
    if term.prefix:
        return quote(word) + "*"
    alternatives = []
    for form in [word, *variants(word)]:
        alternatives.append(quote(form))
        r = root(form)
        if r and not form.isdigit():
            alternatives.append(quote(r) + "*")
    return alternatives[0] if len(alternatives) == 1 else "(" + " OR ".join(alternatives) + ")"


def fts_expression(query: Query) -> str | None:
    """The FTS5 MATCH expression for a query, or None when it asks for nothing."""
    positive = [term_expr(t) for t in query.terms if not t.negative]
    if not positive:
        return None
    expr = "(" + " AND ".join(positive) + ")"
    for t in query.terms:
        if t.negative:
            expr = f"({expr} NOT {term_expr(Term(t.words, t.prefix))})"
    return expr


_ITEM = re.compile(r"^[ \t]*(…?)[ \t]*•[ \t]*")
# Between list items in a snippet (and between an item and the text around it).
ITEM_SEPARATOR = " · "


def flat_snippet(snippet: str) -> str:
    """A snippet of indexed text as one line of prose.

    The index keeps list items as lines that start with "• ". A snippet drops the bullets
    and joins each item to the text around it with ITEM_SEPARATOR (a space after a colon
    that introduces the list); other lines are joined with a space.
    """
    if "\n" not in snippet and "•" not in snippet:
        return snippet
    out = ""
    was_item = False
    for line in snippet.split("\n"):
        m = _ITEM.match(line)
        item = m is not None
        if m is not None:
            line = m.group(1) + line[m.end() :]
        line = line.strip()
        if not line:
            continue
        if out and line != "…":
            list_start = out.rstrip(OPEN + CLOSE).endswith(":")
            out += ITEM_SEPARATOR if (item or was_item) and not list_start else " "
        out += line
        was_item = item
    return out


def marks(snippet: str) -> str:
    return snippet.replace(OPEN, MARK_OPEN).replace(CLOSE, MARK_CLOSE)


def split_marks(snippet: str) -> list[tuple[str, bool]]:
    """Split a marked snippet into (text, matched) pieces, for renderers."""
    out: list[tuple[str, bool]] = []
    parts = snippet.split(MARK_OPEN)
    for i, part in enumerate(parts):
        matched = i % 2 == 1
        if part:
            out.append((part, matched))
    return out
