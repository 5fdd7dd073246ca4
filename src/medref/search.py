"""Full-text search: our own query language, built into a safe FTS5 query, ranked by bm25.

User text never reaches SQL or FTS5 syntax directly. It is split into words, each word is
double-quoted as an FTS5 string (https://sqlite.org/fts5.html#fts5_strings), and the
expression is bound as a parameter.
"""

from __future__ import annotations

import re
from typing import Any

from medref.index import Index, words_like
from medref.models import Hit, SearchResult
from medref.names import allowed_typos, edit_distance, fold, name_key

# Matched words in snippets are wrapped in these markers (documented in the README).
MARK_OPEN = "**"
MARK_CLOSE = "**"
# Private-use characters mark matches inside SQLite; they are swapped for the markers above.
_OPEN = "\ue000"
_CLOSE = "\ue001"

# bm25 column weights: names far above headings, headings above body text.
WEIGHTS = {"title": 10.0, "aliases": 8.0, "meta": 2.0, "heading": 3.0, "body": 1.0}
SNIPPET_WORDS = 30
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


def _words(text: str) -> list[str]:
    return [w[:MAX_TERM_LEN] for w in _WORD.findall(fold(text))]


def parse_query(text: str) -> Query:
    """Plain words AND, "a phrase", -exclude, prefix*; anything else is plain text."""
    q = Query()
    for m in _PIECE.finditer(text.replace("\x00", " ")):
        neg, quoted, bare = m.group(1), m.group(2), m.group(3)
        if quoted is not None:
            words = _words(quoted)
            if words:
                q.terms.append(Term(words, negative=bool(neg)))
            continue
        negative = bare.startswith("-") and len(bare) > 1
        core = bare[1:] if negative else bare
        prefix = core.endswith("*")
        words = _words(core)
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


def _quote(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def root(word: str) -> str | None:
    """A shorter stem that joins forms porter keeps apart, e.g. allergy/allergic -> allerg."""
    for suffix in _ROOT_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return None


def _term_expr(term: Term) -> str:
    if term.phrase:
        return _quote(" ".join(term.words)) + ("*" if term.prefix else "")
    word = term.words[0]
    if term.prefix:
        return _quote(word) + "*"
    r = root(word)
    if r and not word.isdigit():
        return f"({_quote(word)} OR {_quote(r)}*)"
    return _quote(word)


def fts_expression(query: Query) -> str | None:
    """The FTS5 MATCH expression for a query, or None when it asks for nothing."""
    positive = [_term_expr(t) for t in query.terms if not t.negative]
    if not positive:
        return None
    expr = "(" + " AND ".join(positive) + ")"
    for t in query.terms:
        if t.negative:
            expr = f"({expr} NOT {_term_expr(Term(t.words, t.prefix))})"
    return expr


def _matches(index: Index, expr: str) -> bool:
    row = index.conn.execute("SELECT 1 FROM fts WHERE fts MATCH ? LIMIT 1", (expr,)).fetchone()
    return row is not None


def _correct(index: Index, word: str) -> str | None:
    """The vocabulary word closest to a word that matches nothing."""
    budget = allowed_typos(word)
    if budget == 0 or word.isdigit():
        return None
    best: tuple[int, int, str] | None = None
    for cand, df in words_like(index.conn, word, budget):
        d = edit_distance(word, cand, budget)
        if d <= budget:
            key = (d, -df, cand)
            if best is None or key < best:
                best = key
    return best[2] if best else None


def _known(index: Index, word: str) -> bool:
    return index.conn.execute("SELECT 1 FROM words WHERE word=?", (word,)).fetchone() is not None


def _is_name(index: Index, word: str) -> bool:
    row = index.conn.execute("SELECT 1 FROM names WHERE norm=? LIMIT 1", (name_key(word),))
    return row.fetchone() is not None


def correct_query(index: Index, query: Query) -> bool:
    """Correct misspelt words. True if any changed.

    A word that matches nothing is replaced by its closest vocabulary word. A word that only
    matches through stemming ("paracetamole" stems to "paracetamol") is replaced only when
    the correction is the name of a monograph, so name queries rank as names.
    """
    changed = False
    for t in query.terms:
        if t.negative or t.prefix or t.phrase:
            continue
        word = t.words[0]
        matches = _matches(index, _term_expr(t))
        if matches and _known(index, word):
            continue
        fixed = _correct(index, word)
        if fixed and (not matches or _is_name(index, fixed)):
            t.words = [fixed]
            changed = True
    return changed


class _Doc:
    __slots__ = ("doc", "id", "rank", "rows", "tier", "title")

    def __init__(self, doc: int, tier: int, rank: float, mono_id: str, title: str) -> None:
        self.doc = doc
        self.tier = tier
        self.rank = rank
        self.id = mono_id
        self.title = title
        self.rows: list[tuple[Any, ...]] = []


def search(
    index: Index,
    text: str,
    *,
    sections: list[str] | None = None,
    limit: int = 10,
    all_sections: bool = False,
) -> tuple[SearchResult, Query]:
    query = parse_query(text)
    expr = fts_expression(query)
    if expr is None:
        return SearchResult(text, None, 0, ()), query
    corrected = None
    if correct_query(index, query):
        expr = fts_expression(query)
        corrected = query.show()
    assert expr is not None
    w = WEIGHTS
    # Two bm25 scores: one over every column ranks monographs; one over headings and body
    # text picks which of a monograph's sections to show. bm25() is "lower is better", and
    # 0 when none of the weighted columns matched (https://sqlite.org/fts5.html#the_bm25_function).
    # Only active monographs have rows in fts; secmeta is narrow, so the join stays cheap.
    sql = (
        "SELECT s.rowid, s.doc, s.ord, s.key, s.label, s.mono, s.title,"
        f" bm25(fts, {w['title']}, {w['aliases']}, {w['meta']}, {w['heading']}, {w['body']}),"
        f" bm25(fts, 0, 0, 0, {w['heading']}, {w['body']})"
        " FROM fts JOIN secmeta s ON s.rowid = fts.rowid"
        " WHERE fts MATCH ?"
    )
    params: list[object] = [expr]
    if sections:
        sql += f" AND s.key IN ({','.join('?' * len(sections))})"
        params += sections
    qkey = name_key(" ".join(" ".join(t.words) for t in query.positive))
    tiers = index.name_tiers(qkey) if qkey else {}
    docs: dict[int, _Doc] = {}
    for (
        rowid,
        doc,
        ord_,
        key,
        label,
        mono_id,
        title,
        rank,
        body_rank,
    ) in index.conn.execute(sql, params):
        d = docs.get(doc)
        if d is None:
            d = docs[doc] = _Doc(doc, tiers.get(doc, 2), rank, mono_id, title)
        d.rank = min(d.rank, rank)
        # For a name query show the Usage section; otherwise body matches first, boilerplate
        # disclaimers last, then the better body score.
        prefer = not (d.tier < 2 and key == "usage")
        d.rows.append(
            (prefer, body_rank == 0, key == "disclaimer", body_rank, ord_, rowid, key, label)
        )
    # An excluded word drops the whole monograph, not just the sections that contain it.
    for t in query.terms:
        if t.negative:
            neg = _term_expr(Term(t.words, t.prefix))
            for (doc,) in index.conn.execute(
                "SELECT DISTINCT s.doc FROM fts JOIN secmeta s ON s.rowid = fts.rowid"
                " WHERE fts MATCH ?",
                (neg,),
            ):
                docs.pop(doc, None)
    ordered = sorted(docs.values(), key=lambda d: (d.tier, d.rank, d.id))
    picked: list[tuple[_Doc, tuple[Any, ...]]] = []
    for d in ordered:
        d.rows.sort()
        rows = [r for r in d.rows if not r[1]] or d.rows[:1] if all_sections else d.rows[:1]
        picked.extend((d, r) for r in rows)
    shown = picked[: max(0, limit)]
    # The index answered without stat()ing every file: check the ones it is about to show.
    index.verify({d.doc for d, _row in shown})
    hits = []
    for d, row in shown:
        rowid, key, label = row[-3:]
        snippet = index.conn.execute(
            "SELECT snippet(fts, 4, ?, ?, '…', ?) FROM fts WHERE fts MATCH ? AND rowid = ?",
            (_OPEN, _CLOSE, SNIPPET_WORDS, expr, rowid),
        ).fetchone()[0]
        score = round((2 - d.tier) * 100.0 - d.rank, 4)
        hits.append(Hit(d.id, d.title, key, label, _marks(snippet), score))
    return SearchResult(text, corrected, len(picked), tuple(hits)), query


def _marks(snippet: str) -> str:
    return snippet.replace(_OPEN, MARK_OPEN).replace(_CLOSE, MARK_CLOSE)


def split_marks(snippet: str) -> list[tuple[str, bool]]:
    """Split a marked snippet into (text, matched) pieces, for renderers."""
    out: list[tuple[str, bool]] = []
    parts = snippet.split(MARK_OPEN)
    for i, part in enumerate(parts):
        matched = i % 2 == 1
        if part:
            out.append((part, matched))
    return out
