"""Full-text search over the index, ranked by bm25 (the query language is medref.query)."""

from __future__ import annotations

import re
from typing import Any

from medref.index.queries import Index, words_like
from medref.index.schema import SECTION_BITS, doc_of
from medref.models import Hit, SearchResult
from medref.names import allowed_typos, edit_distance, name_key
from medref.query import (
    CLOSE,
    OPEN,
    Query,
    Term,
    fts_expression,
    marks,
    parse_query,
    quote,
    root,
    term_expr,
)

# bm25 column weights: names far above headings, headings above body text.
WEIGHTS = {"title": 10.0, "aliases": 8.0, "meta": 2.0, "heading": 3.0, "body": 1.0}
SNIPPET_WORDS = 30


_SPACE_RUNS = re.compile(r"[ \t]{2,}")  # left in the indexed text (outline.plain_text)
MAX_SPELT = 24  # words a root may stand for in snippet queries before the prefix is used


def _highlight_expression(index: Index, query: Query) -> str | None:
    """The query for snippets, with each root prefix spelt out as the vocabulary's words.

    `"allerg"*` costs a scan of every index term with that prefix on each use; the words
    it stands for ("allergy", "allergic", ...) are found once in the words table.
    Returns None when no term has a root, or one has too many words.
    """
    positive = []
    spelt = False
    for t in query.positive:
        word = t.words[0]
        r = None if t.phrase or t.prefix or word.isdigit() else root(word)
        if r is None:
            positive.append(term_expr(t))
            continue
        words = [
            w
            for (w,) in index.conn.execute(
                "SELECT word FROM words WHERE word >= ? AND word < ? LIMIT ?",
                (r, r + "\U0010ffff", MAX_SPELT + 1),
            )
        ]
        if len(words) > MAX_SPELT:
            return None
        positive.append("(" + " OR ".join(quote(w) for w in dict.fromkeys([word, *words])) + ")")
        spelt = True
    return "(" + " AND ".join(positive) + ")" if spelt and positive else None


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
        if _known(index, word):  # a vocabulary word always matches: no FTS query needed
            continue
        matches = _matches(index, term_expr(t))
        fixed = _correct(index, word)
        if fixed and (not matches or _is_name(index, fixed)):
            t.words = [fixed]
            changed = True
    return changed


def search(
    index: Index,
    text: str,
    *,
    sections: list[str] | None = None,
    limit: int = 10,
    all_sections: bool = False,
) -> SearchResult:
    query = parse_query(text)
    expr = fts_expression(query)
    if expr is None:
        return SearchResult(text, None, 0, (), query.truncated)
    corrected = None
    if correct_query(index, query):
        expr = fts_expression(query)
        corrected = query.show()
    assert expr is not None
    conn = index.conn
    w = WEIGHTS
    # Two bm25 scores: one over every column ranks monographs; one over headings and body
    # text picks which of a monograph's sections to show. bm25() is "lower is better", and
    # 0 when none of the weighted columns matched (https://sqlite.org/fts5.html#the_bm25_function).
    # A section's rowid holds its monograph's doc number, so ranking needs no join; only
    # active monographs have rows in fts.
    scores = (
        f"bm25(fts, {w['title']}, {w['aliases']}, {w['meta']}, {w['heading']}, {w['body']}),"
        f" bm25(fts, 0, 0, 0, {w['heading']}, {w['body']})"
    )
    params: list[object] = [expr]
    if sections:
        sql = f"SELECT fts.rowid, {scores} FROM fts JOIN secmeta s ON s.rowid = fts.rowid"
        sql += f" WHERE fts MATCH ? AND s.key IN ({','.join('?' * len(sections))})"
        params += sections
    else:
        sql = f"SELECT rowid, {scores} FROM fts WHERE fts MATCH ?"
    best: dict[int, float] = {}  # doc -> its best score over every column
    matched: dict[int, list[tuple[int, float]]] = {}  # doc -> [(rowid, body score)]
    for rowid, rank, body_rank in conn.execute(sql, params):
        doc = doc_of(rowid)
        if doc in best:
            if rank < best[doc]:
                best[doc] = rank
            matched[doc].append((rowid, body_rank))
        else:
            best[doc] = rank
            matched[doc] = [(rowid, body_rank)]
    # An excluded word drops the whole monograph, not just the sections that contain it.
    for t in query.terms:
        if t.negative:
            neg = term_expr(Term(t.words, t.prefix))
            for (rowid,) in conn.execute("SELECT rowid FROM fts WHERE fts MATCH ?", (neg,)):
                best.pop(doc_of(rowid), None)
    # A long section is indexed as passages: rowid - part is the rowid of its first one.
    parts: dict[int, int] = {}
    if all_sections:  # every section that matched in its heading or text, else the first
        parts = dict(conn.execute("SELECT rowid, part FROM secmeta WHERE part > 0"))
        total = sum(
            max(1, len({_section_of(rowid, parts) for rowid, b in matched[doc] if b}))
            for doc in best
        )
    else:
        total = len(best)
    qkey = name_key(" ".join(" ".join(t.words) for t in query.positive))
    tiers = index.name_tiers(qkey) if qkey else {}
    hits = []
    shown = _pick(conn, best, matched, tiers, max(0, limit), all_sections, parts)
    # The index may have answered without stat()ing every file: check the ones shown.
    index.verify({doc for doc, *_rest in shown})
    spelt = _highlight_expression(index, query) if shown else None
    sql = "SELECT snippet(fts, 4, ?, ?, '…', ?) FROM fts WHERE fts MATCH ? AND rowid = ?"
    for _doc, rowid, mono_id, title, key, label, score in shown:
        row = None
        for e in (spelt, expr) if spelt else (expr,):
            row = conn.execute(sql, (OPEN, CLOSE, SNIPPET_WORDS, e, rowid)).fetchone()
            if row is not None:
                break
        snippet = _SPACE_RUNS.sub(" ", row[0] or "") if row else ""
        hits.append(Hit(mono_id, title, key, label, marks(snippet), score))
    return SearchResult(text, corrected, total, tuple(hits), query.truncated)


def _pick(
    conn: Any,
    best: dict[int, float],
    matched: dict[int, list[tuple[int, float]]],
    tiers: dict[int, int],
    limit: int,
    all_sections: bool,
    parts: dict[int, int],
) -> list[tuple[int, int, str, str, str, str, float]]:
    """The first `limit` results: (doc, rowid, id, title, key, label, score).

    Monographs rank by name tier, then score, then id. Each result needs at least one row,
    so only the first `limit` monographs (and any tied with the last) are looked at further.
    """
    order = sorted((tiers.get(doc, 2), rank, doc) for doc, rank in best.items())
    if not order or limit == 0:
        return []
    cut = min(limit, len(order))
    while cut < len(order) and order[cut][:2] == order[cut - 1][:2]:
        cut += 1
    rowids = [rowid for _t, _r, doc in order[:cut] for rowid, _b in matched[doc]]
    info: dict[int, tuple[str, str, str, str]] = {}
    for start in range(0, len(rowids), 500):  # stay under SQLite's variable limit
        chunk = rowids[start : start + 500]
        info.update(
            (rowid, (key, label, mono, title))
            for rowid, key, label, mono, title in conn.execute(
                f"SELECT s.rowid, s.key, s.label, d.id, d.title FROM secmeta s"
                f" JOIN docs d ON d.doc = s.rowid >> {SECTION_BITS}"
                f" WHERE s.rowid IN ({','.join('?' * len(chunk))})",
                chunk,
            )
        )
    # (Callers read in one transaction; a monograph missing here was removed meanwhile.)
    present = [o for o in order[:cut] if all(rowid in info for rowid, _b in matched[o[2]])]
    head = sorted(present, key=lambda o: (o[0], o[1], info[matched[o[2]][0][0]][2]))
    out: list[tuple[int, int, str, str, str, str, float]] = []
    for tier, rank, doc in head:
        # For a name query show the Usage section; otherwise body matches first,
        # boilerplate disclaimers last, then the better body score.
        rows = sorted(
            (
                not (tier < 2 and info[rowid][0] == "usage"),
                body == 0,
                info[rowid][0] == "disclaimer",
                body,
                rowid,
            )
            for rowid, body in matched[doc]
        )
        if all_sections:  # each section once, by its best passage (rows are best first)
            best_of: dict[int, tuple[bool, bool, bool, float, int]] = {}
            for r in [r for r in rows if not r[1]] or rows[:1]:
                best_of.setdefault(_section_of(r[-1], parts), r)
            rows = list(best_of.values())
        else:
            rows = rows[:1]
        score = round((2 - tier) * 100.0 - rank, 4)
        for row in rows:
            key, label, mono, title = info[row[-1]]
            out.append((doc, row[-1], mono, title, key, label, score))
            if len(out) == limit:
                return out
    return out


def _section_of(rowid: int, parts: dict[int, int]) -> int:
    """The rowid of a section's first passage (see index.PASSAGE_CHARS)."""
    return rowid - parts.get(rowid, 0)
