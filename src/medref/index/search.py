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
    flat_snippet,
    fts_expression,
    marks,
    parse_query,
    quote,
    root,
    term_expr,
)
from medref.spellings import spelt_forms, variants

# bm25 column weights: names far above headings, headings above body text.
WEIGHTS = {"title": 10.0, "aliases": 8.0, "meta": 2.0, "heading": 3.0, "body": 1.0}
SNIPPET_WORDS = 30

# What a match in each kind of section says about what a monograph is FOR: a condition in
# Usage is what it treats; in How it Works, Dosage or the name, part of that story; in Side
# Effects, Precautions, warnings or FAQs, usually something it causes or must avoid.
SECTION_WEIGHTS: dict[str, float] = {
    "usage": 1.0,
    "how-it-works": 0.5,
    "dosage": 0.5,
    "generic-name": 0.5,
    "side-effects": 0.25,
    "precautions": 0.25,
    "faqs": 0.25,
    "boxed-warning": 0.25,
    "contraindications": 0.25,
    "interactions": 0.25,
    "drug-interactions": 0.25,
    "warnings": 0.25,
    "warning": 0.25,
    "overdose": 0.25,
}
OTHER_WEIGHT = 0.5  # a section of another kind (an imported label's own headings)
# Boilerplate and source notes: least weight, never a monograph's best section, and a
# monograph found only there is listed after every other.
BOILERPLATE = frozenset(
    {"disclaimer", "references", "sources", "note", "notes", "important-note", "important"}
)
BOILERPLATE_WEIGHT = 0.05
# Every kind's weight in one table (kinds not in it: OTHER_WEIGHT).
KIND_WEIGHTS = {**SECTION_WEIGHTS, **dict.fromkeys(BOILERPLATE, BOILERPLATE_WEIGHT)}
# A monograph's score: its sections' weighted evidence, best first, the k-th times SHARE**k.
SHARE = 0.3


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
        if t.phrase or t.prefix or t.words[0].isdigit():
            positive.append(term_expr(t))
            continue
        forms: list[str] = []
        for word in [t.words[0], *variants(t.words[0])]:
            forms.append(word)
            r = root(word)
            if r is None:
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
            forms += words
            spelt = True
        positive.append("(" + " OR ".join(quote(w) for w in dict.fromkeys(forms)) + ")")
    return "(" + " AND ".join(positive) + ")" if spelt and positive else None


def _matches(index: Index, expr: str) -> bool:
    row = index.conn.execute("SELECT 1 FROM fts WHERE fts MATCH ? LIMIT 1", (expr,)).fetchone()
    return row is not None


def _correct(index: Index, word: str) -> str | None:
    """The vocabulary word closest to a word that matches nothing.

    A listed US or UK spelling counts as a vocabulary word when either of its spellings is
    one: "diarhea" is corrected to "diarrhea" in a corpus that writes only "diarrhoea".
    """
    budget = allowed_typos(word)
    if budget == 0 or word.isdigit():
        return None
    best: tuple[int, int, str] | None = None
    candidates = list(words_like(index.conn, word, budget))
    for form in spelt_forms():
        if edit_distance(word, form, budget) <= budget:
            for known in (form, *variants(form)):
                row = index.conn.execute("SELECT df FROM words WHERE word=?", (known,)).fetchone()
                if row:
                    candidates.append((form, row[0]))
                    break
    for cand, df in candidates:
        d = edit_distance(word, cand, budget)
        if d <= budget:
            key = (d, -df, cand)
            if best is None or key < best:
                best = key
    return best[2] if best else None


def _known(index: Index, word: str) -> bool:
    """Is the word, or its other spelling, in the vocabulary?"""
    return any(
        index.conn.execute("SELECT 1 FROM words WHERE word=?", (w,)).fetchone() is not None
        for w in (word, *variants(word))
    )


def _is_name(index: Index, word: str) -> bool:
    row = index.conn.execute("SELECT 1 FROM names WHERE norm=? LIMIT 1", (name_key(word),))
    return row.fetchone() is not None


def _fixed(index: Index, word: str) -> str | None:
    """The correction of one word, or None to keep it.

    A word that matches nothing is replaced by its closest vocabulary word. A word that only
    matches through stemming ("paracetamole" stems to "paracetamol") is replaced only when
    the correction is the name of a monograph, so name queries rank as names.
    """
    if _known(index, word):  # a vocabulary word always matches: no FTS query needed
        return None
    matches = _matches(index, term_expr(Term([word])))
    fixed = _correct(index, word)
    if fixed and (not matches or _is_name(index, fixed)):
        return fixed
    return None


def correct_query(index: Index, query: Query) -> bool:
    """Correct misspelt words, inside "quoted phrases" too. True if any changed."""
    changed = False
    for t in query.terms:
        if t.negative or t.prefix:
            continue
        for i, word in enumerate(t.words):
            fixed = _fixed(index, word)
            if fixed:
                t.words[i] = fixed
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
    # Two bm25 scores: one over every column is a section's evidence; one over headings and
    # body text says whether the section's own text matched (not only the monograph's names
    # or tags) and picks which section to show. bm25() is "lower is better", and 0 when none
    # of the weighted columns matched (https://sqlite.org/fts5.html#the_bm25_function).
    # A section's rowid holds its monograph's doc number; its key, which weighs the
    # evidence, comes from secmeta. Only active monographs have rows in fts.
    scores = (
        f"bm25(fts, {w['title']}, {w['aliases']}, {w['meta']}, {w['heading']}, {w['body']}),"
        f" bm25(fts, 0, 0, 0, {w['heading']}, {w['body']}), s.key"
    )
    sql = f"SELECT fts.rowid, {scores} FROM fts JOIN secmeta s ON s.rowid = fts.rowid"
    sql += " WHERE fts MATCH ?"
    params: list[object] = [expr]
    if sections:
        sql += f" AND s.key IN ({','.join('?' * len(sections))})"
        params += sections
    # doc -> [(rowid, evidence, body evidence)], evidence weighed by the section's kind
    matched: dict[int, list[tuple[int, float, float]]] = {}
    beyond_boilerplate: set[int] = set()  # docs with a match outside boilerplate
    weight_of = KIND_WEIGHTS.get
    for rowid, rank, body_rank, key in conn.execute(sql, params):
        doc = rowid >> SECTION_BITS  # doc_of(), inline: this runs once per matching section
        weight = weight_of(key, OTHER_WEIGHT)
        if key not in BOILERPLATE:
            beyond_boilerplate.add(doc)
        entry = (rowid, -rank * weight, -body_rank * weight)
        if doc in matched:
            matched[doc].append(entry)
        else:
            matched[doc] = [entry]
    # An excluded word drops the whole monograph, not just the sections that contain it.
    for t in query.terms:
        if t.negative:
            neg = term_expr(Term(t.words, t.prefix))
            for (rowid,) in conn.execute("SELECT rowid FROM fts WHERE fts MATCH ?", (neg,)):
                matched.pop(doc_of(rowid), None)
    # A long section is indexed as passages: rowid - part is the rowid of its first one.
    parts: dict[int, int] = {}
    if all_sections:  # every section that matched in its heading or text, else the first
        parts = dict(conn.execute("SELECT rowid, part FROM secmeta WHERE part > 0"))
        total = sum(
            max(1, len({_section_of(rowid, parts) for rowid, _e, b in rows if b}))
            for rows in matched.values()
        )
    else:
        total = len(matched)
    qkey = name_key(" ".join(" ".join(t.words) for t in query.positive))
    tiers = index.name_tiers(qkey) if qkey else {}
    hits = []
    order = sorted(
        (
            tiers.get(doc, 2),
            doc not in beyond_boilerplate,
            -(rows[0][1] if len(rows) == 1 else combined([e for _r, e, _b in rows])),
            doc,
        )
        for doc, rows in matched.items()
    )
    shown = _pick(conn, order, matched, max(0, limit), all_sections, parts)
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
        hits.append(Hit(mono_id, title, key, label, marks(flat_snippet(snippet)), score))
    return SearchResult(text, corrected, total, tuple(hits), query.truncated)


def combined(evidence: list[float]) -> float:
    """A monograph's score from its sections' weighted evidence: the best, plus SHARE of the
    second, SHARE**2 of the third, and so on (bounded: never above best / (1 - SHARE))."""
    return sum(e * SHARE**k for k, e in enumerate(sorted(evidence, reverse=True)))


# Displayed scores: each name tier is BAND * 2 above the next; within one, monographs found
# outside boilerplate are BAND above those found only there (scores fall down the list).
BAND = 50.0


def _pick(
    conn: Any,
    order: list[tuple[int, bool, float, int]],
    matched: dict[int, list[tuple[int, float, float]]],
    limit: int,
    all_sections: bool,
    parts: dict[int, int],
) -> list[tuple[int, int, str, str, str, str, float]]:
    """The first `limit` results: (doc, rowid, id, title, key, label, score).

    `order` is every monograph's sort key, best first: (name tier, matched only in
    boilerplate, minus combined evidence, doc). Each result needs at least one row, so only
    the first `limit` monographs (and any tied with the last) are looked at further.
    """
    if not order or limit == 0:
        return []
    cut = min(limit, len(order))
    while cut < len(order) and order[cut][:3] == order[cut - 1][:3]:
        cut += 1
    rowids = [rowid for *_k, doc in order[:cut] for rowid, _e, _b in matched[doc]]
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
    present = [o for o in order[:cut] if all(r in info for r, _e, _b in matched[o[3]])]
    head = sorted(present, key=lambda o: (o[:3], info[matched[o[3]][0][0]][2]))
    out: list[tuple[int, int, str, str, str, str, float]] = []
    for tier, last, neg_score, doc in head:
        # For a name query show the Usage section; otherwise the section whose own text
        # matched with the most weighed evidence; boilerplate never while another matched.
        rows = sorted(
            (
                not (tier < 2 and info[rowid][0] == "usage"),
                info[rowid][0] in BOILERPLATE,
                body == 0,
                -body,
                rowid,
            )
            for rowid, _e, body in matched[doc]
        )
        if all_sections:  # each section once, by its best passage (rows are best first)
            best_of: dict[int, tuple[bool, bool, bool, float, int]] = {}
            for r in [r for r in rows if not r[2]] or rows[:1]:
                best_of.setdefault(_section_of(r[-1], parts), r)
            rows = list(best_of.values())
        else:
            rows = rows[:1]
        band = 2 * BAND * (2 - tier) + (0.0 if last else BAND)
        score = round(band + min(-neg_score, BAND - 0.0001), 4)
        for row in rows:
            key, label, mono, title = info[row[-1]]
            out.append((doc, row[-1], mono, title, key, label, score))
            if len(out) == limit:
                return out
    return out


def _section_of(rowid: int, parts: dict[int, int]) -> int:
    """The rowid of a section's first passage (see index.PASSAGE_CHARS)."""
    return rowid - parts.get(rowid, 0)
