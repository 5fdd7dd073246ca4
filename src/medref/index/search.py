"""Full-text search over the index, ranked by bm25 (the query language is medref.query)."""

from __future__ import annotations

import functools
import heapq
import re
from collections.abc import Callable
from typing import Any

from medref.index.kinds import BOILERPLATE, TIER_WEIGHTS, TIERS, weight
from medref.index.queries import Index, words_like
from medref.index.schema import (
    SECTION_BITS,
    doc_rowids,
    positioned_sections,
    stem,
)
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
    spellings,
    term_expr,
)
from medref.spellings import spelt_forms, variants

# bm25 column weights: names far above headings, headings above body text.
WEIGHTS = {"title": 10.0, "aliases": 8.0, "meta": 2.0, "heading": 3.0, "body": 1.0}
SNIPPET_WORDS = 30
# The ranking table's bm25 weights (schema.RANKING_COLUMNS): the names as above, and each
# tier's headings and text as above times the weight of the tier's kinds (kinds.py).
RANKING_WEIGHTS = ", ".join(
    str(w)
    for w in (
        WEIGHTS["title"],
        WEIGHTS["aliases"],
        WEIGHTS["meta"],
        *(WEIGHTS[part] * tw for tw in TIER_WEIGHTS for part in ("heading", "body")),
    )
)
NAME_COLUMNS = "title aliases meta"


_SPACE_RUNS = re.compile(r"[ \t]{2,}")  # left in the indexed text (outline.plain_text)
MAX_SPELT = 24  # words a root may stand for in snippet queries before the prefix is used


def _spelt_terms(
    index: Index, query: Query, stem_of: Callable[[str], str | None]
) -> list[str | None] | None:
    """Each positive term's expression for the ranking table, with each root prefix spelt
    out as the vocabulary's words (None for a term that has no such form: use its
    term_expr).

    `"allerg"*` costs a scan of every index term with that prefix on each use; the words
    it stands for ("allergy", "allergic", ...: every word whose stem begins with the root's)
    are found once in the words table, which holds every word of the index.
    Returns None when no term has a root, or one has too many words.
    """
    terms: list[str | None] = []
    spelt = False
    for t in query.positive:
        if t.phrase or t.prefix or t.words[0].isdigit():
            terms.append(None)
            continue
        forms: list[str] = []
        for word in [t.words[0], *variants(t.words[0])]:
            forms.append(word)
            r = root(word)
            stemmed = stem_of(r) if r else None
            if stemmed is None:
                continue
            words = _stem_words(index, stemmed, True, MAX_SPELT)
            if words is None:
                return None
            forms += words
            spelt = True
        terms.append("(" + " OR ".join(quote(w) for w in dict.fromkeys(forms)) + ")")
    return terms if spelt and terms else None


# Words a stem or prefix may stand for in the sections table before its written prefix is
# used instead (which may match a few words more).
MAX_FORMS = 200


def _stem_words(
    index: Index, stemmed: str, prefix: bool, most: int = MAX_FORMS
) -> list[str] | None:
    """The vocabulary's words with this stem (prefix: a stem that begins so), which are the
    words the ranking table matches for it; None if over `most`."""
    if prefix:
        sql = "SELECT word FROM words WHERE stem >= ? AND stem < ? LIMIT ?"
        params: tuple[object, ...] = (stemmed, stemmed + "\U0010ffff", most + 1)
    else:
        sql, params = "SELECT word FROM words WHERE stem = ? LIMIT ?", (stemmed, most + 1)
    words = [w for (w,) in index.conn.execute(sql, params)]
    return None if len(words) > most else words


def _section_terms(
    index: Index, query: Query, stem_of: Callable[[str], str | None]
) -> list[str | None]:
    """Each positive term's expression for the sections table, which keeps words as written
    and not where they are (schema.py): a word as the words of its stem, a prefix (and a
    word's root, which term_expr adds as one) as the words whose stem begins with its stem:
    what the ranking table, which stems, matches. A phrase is its words anywhere (search
    checks their order). None for a term with a word the tokenizer splits in two."""

    def word_expr(word: str, prefix: bool = False) -> str | None:
        if word.isdigit():  # as written: not stemmed, nor in the words table
            return quote(word) + ("*" if prefix else "")
        stemmed = stem_of(word)
        if stemmed is None:
            return None
        words = _stem_words(index, stemmed, prefix)
        if words is None:  # too many: the stem as written (prefix: words it begins)
            return quote(stemmed) + "*"
        # No word of the index has the stem: the word itself, which then matches nothing.
        return _any_of([quote(w) for w in words] or [quote(word)])

    out: list[str | None] = []
    for t in query.positive:
        parts: list[str | None] = []
        if t.phrase:
            for words in spellings(t.words):
                found = [word_expr(w) for w in words[:-1]] + [word_expr(words[-1], t.prefix)]
                ok = [f for f in found if f is not None]
                parts.append("(" + " AND ".join(ok) + ")" if len(ok) == len(found) else None)
        elif t.prefix:
            parts.append(word_expr(t.words[0], True))
        else:
            for form in [t.words[0], *variants(t.words[0])]:
                parts.append(word_expr(form))
                r = root(form)
                if r and not form.isdigit():
                    parts.append(word_expr(r, True))
        ok = [p for p in parts if p is not None]
        out.append(_any_of(ok) if ok and len(ok) == len(parts) else None)
    return out


def _any_of(exprs: list[str]) -> str:
    unique = list(dict.fromkeys(exprs))
    return unique[0] if len(unique) == 1 else "(" + " OR ".join(unique) + ")"


def _matches(index: Index, expr: str) -> bool:
    """Does any monograph hold this, stemmed (the ranking table)?"""
    sql = "SELECT 1 FROM ranking WHERE ranking MATCH ? LIMIT 1"
    return index.conn.execute(sql, (expr,)).fetchone() is not None


def _correct(index: Index, word: str) -> str | None:
    """The vocabulary word closest to a word that matches nothing; of several, the one the
    most monographs hold.

    A listed US or UK spelling counts as a vocabulary word when either of its spellings is
    one: "diarhea" is corrected to "diarrhea" in a corpus that writes only "diarrhoea".
    """
    budget = allowed_typos(word)
    if budget == 0 or word.isdigit():
        return None
    close: dict[str, tuple[int, str]] = {}  # candidate -> (distance, the spelling indexed)
    for cand in words_like(index.conn, word, budget):
        d = edit_distance(word, cand, budget)
        if d <= budget:
            close[cand] = (d, cand)
    for form in spelt_forms():
        d = edit_distance(word, form, budget)
        if d <= budget and form not in close:
            known = next((w for w in (form, *variants(form)) if _in_vocabulary(index, w)), None)
            if known:
                close[form] = (d, known)
    if not close:
        return None
    # Counted only for the closest candidates: a count reads the word's list of monographs.
    nearest = min(d for d, _known in close.values())
    sql = f"SELECT count(DISTINCT rowid >> {SECTION_BITS}) FROM fts WHERE fts MATCH ?"
    counted = [
        (-index.conn.execute(sql, (quote(known),)).fetchone()[0], cand)
        for cand, (d, known) in close.items()
        if d == nearest
    ]
    return min(counted)[1]


def _in_vocabulary(index: Index, word: str) -> bool:
    return index.conn.execute("SELECT 1 FROM words WHERE word=?", (word,)).fetchone() is not None


def _known(index: Index, word: str) -> bool:
    """Is the word, or its other spelling, in the vocabulary?"""
    return any(_in_vocabulary(index, w) for w in (word, *variants(word)))


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


class _Query:
    """A query's FTS5 expressions, for the ranking table and the sections table.

    The sections table keeps words as written and not where they are (schema.py): there
    each word is matched as the words of its stem (_section_terms). A query with a phrase,
    or with a word the tokenizer splits, is matched section by section in a copy of the
    sections it may match that keeps positions and stems (position).
    """

    def __init__(self, index: Index, query: Query, expr: str) -> None:
        self.query = query
        self.matching = expr  # what matches: prefix forms, exclusions
        stem_of = functools.cache(functools.partial(stem, index.conn))
        # Forms of the query: lists of term expressions, cheaper forms that match the same
        # words (see _spelt_terms) first; `forms` for the ranking table, `section_forms` for
        # `table`, the sections table (or its positioned copy: position).
        exact = [term_expr(t) for t in query.positive]
        spelt = _spelt_terms(index, query, stem_of)
        self.forms = [exact]
        if spelt is not None:
            self.forms.insert(0, [s or e for s, e in zip(spelt, exact, strict=True)])

        terms = _section_terms(index, query, stem_of)
        self.table = "fts"
        self.section_forms = [[t for t in terms if t is not None]]
        self.split_word = None in terms  # a word the sections table cannot hold as one
        self.positioned = self.split_word or any(t.phrase for t in query.positive)
        self.negatives = [term_expr(Term(t.words, t.prefix)) for t in query.terms if t.negative]

    def position(
        self, conn: Any, sections: list[str] | None, shown: list[int] | None = None
    ) -> None:
        """Match section by section in a temporary copy of the sections that may match,
        which keeps word positions and stems as the ranking table does (a phrase's order,
        a word the sections table cannot hold as one): those of the monographs that match
        (or of `shown`, these monographs), with every word the sections table can check."""
        terms = self.section_forms[-1]
        sql = "SELECT m.rowid FROM secmeta m"
        params: list[object] = []
        where = []
        if terms:
            sql += " JOIN fts ON fts.rowid = m.rowid"
            where.append("fts MATCH ?")
            params.append(self.positive(terms))
        if sections:
            where.append(f"m.key IN ({','.join('?' * len(sections))})")
            params += sections
        if shown is not None:
            where.append(f"(m.rowid >> {SECTION_BITS}) IN ({','.join('?' * len(shown))})")
            params += shown
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = [r for (r,) in conn.execute(sql, params)]
        if shown is None:
            sql = "SELECT rowid FROM ranking WHERE ranking MATCH ?"
            docs = {doc for (doc,) in conn.execute(sql, (self.matching,))}
            rows = [r for r in rows if r >> SECTION_BITS in docs]
        self.table = positioned_sections(conn, rows)
        self.section_forms = self.forms

    def first_rows(
        self,
        conn: Any,
        forms: list[list[str]],
        sql: str,
        params: Callable[[list[str]], tuple[object, ...]],
        *fixed: object,
    ) -> list[Any]:
        """The rows `sql` finds with the cheapest of the forms of the query that finds any
        (each form matches the same words; see _spelt_terms). Its parameters: params(terms)
        for the form, then `fixed`."""
        for terms in forms[:-1]:
            rows: list[Any] = conn.execute(sql, (*params(terms), *fixed)).fetchall()
            if rows:
                return rows
        return list(conn.execute(sql, (*params(forms[-1]), *fixed)).fetchall())

    def within(self, columns: str, terms: list[str]) -> tuple[str, str]:
        """Every term anywhere, and (less exclusions) within these columns."""
        return self.positive(terms), self.excluding(self.positive(terms, columns))

    def positive(self, terms: list[str], columns: str | None = None) -> str:
        """Every term, within these columns (a column filter) if given."""
        expr = "(" + " AND ".join(terms) + ")"
        return f"({{{columns}}} : {expr})" if columns else expr

    def excluding(self, expr: str) -> str:
        """The expression, less the rows that match an excluded word."""
        for neg in self.negatives:
            expr = f"({expr} NOT {neg})"
        return expr

    def own_text(self, terms: list[str]) -> str:
        """Sections that match, with at least one term in their own heading or text (not
        only in the monograph's names, which every section row holds)."""
        return f"({self.positive(terms)} AND ({{heading body}} : ({' OR '.join(terms)})))"


def search(
    index: Index,
    text: str,
    *,
    sections: list[str] | None = None,
    limit: int = 10,
    all_sections: bool = False,
) -> SearchResult:
    """The monographs that match, best first (see _rank), with a snippet of the best
    section of each shown (every matching section with all_sections)."""
    query = parse_query(text)
    expr = fts_expression(query)
    if expr is None:
        return SearchResult(text, None, 0, (), query.truncated)
    corrected = None
    if correct_query(index, query):
        expr = fts_expression(query)
        corrected = query.show()
    assert expr is not None
    q = _Query(index, query, expr)
    conn = index.conn
    limit = max(0, limit)
    # A phrase (or a word the sections table cannot hold) is matched section by section in a
    # positioned copy (_Query.position) of every section it may match; a query of one phrase
    # alone, without --section or --all-sections, copies only the shown monographs' sections,
    # after the monographs are found from their sections' words and the ranking table's
    # phrase (the same monographs, but for a phrase across two sections).
    by_words = (
        q.positioned and len(query.positive) == 1 and not (sections or all_sections or q.split_word)
    )
    if q.positioned and not by_words:
        q.position(conn, sections)
    table = q.table
    # The monographs that match. A monograph matches when one of its sections has every
    # word (the sections table); for one word, the ranking table says so alone.
    members: set[int] | None = None
    single = len(query.positive) == 1 and not q.positioned
    if sections or not single or all_sections:
        sql = f"SELECT rowid FROM {table} WHERE {table} MATCH ?"
        params: list[object] = [q.positive(q.section_forms[-1])]
        if sections:
            sql = (
                f"SELECT {table}.rowid FROM {table} JOIN secmeta s ON s.rowid = {table}.rowid"
                f" WHERE {table} MATCH ? AND s.key IN ({','.join('?' * len(sections))})"
            )
            params += sections
        members = {rowid >> SECTION_BITS for (rowid,) in conn.execute(sql, params)}
        if by_words:
            sql = "SELECT rowid FROM ranking WHERE ranking MATCH ?"
            members.intersection_update(doc for (doc,) in conn.execute(sql, (expr,)))
        # An excluded word drops the whole monograph, not just the sections that hold it.
        for neg in q.negatives:
            sql = "SELECT rowid FROM ranking WHERE ranking MATCH ?"
            members.difference_update(doc for (doc,) in conn.execute(sql, (neg,)))
        total = len(members)
    else:
        sql = "SELECT count(*) FROM ranking WHERE ranking MATCH ?"
        total = conn.execute(sql, (expr,)).fetchone()[0]
    qkey = name_key(" ".join(" ".join(t.words) for t in query.positive))
    names = index.name_tiers(qkey) if qkey else {}
    order = _rank(conn, q, members, names, limit if total else 0)
    if by_words:
        q.position(conn, sections, [o[3] for o in order])
    own: dict[int, list[int]] = {}  # doc -> rowids of its sections matched in their own text
    parts: dict[int, int] = {}
    if all_sections:  # every section that matched in its heading or text, else the first
        parts = dict(conn.execute("SELECT rowid, part FROM secmeta WHERE part > 0"))
        sql = f"SELECT rowid FROM {table} WHERE {table} MATCH ?"
        for (rowid,) in conn.execute(sql, (q.own_text(q.section_forms[-1]),)):
            own.setdefault(rowid >> SECTION_BITS, []).append(rowid)
        assert members is not None
        total = sum(
            max(1, len({_section_of(r, parts) for r in own.get(doc, ())})) for doc in members
        )
    shown = _pick(conn, q, order, limit, names, sections, own if all_sections else None, parts)
    # The index may have answered without stat()ing every file: check the ones shown.
    index.verify({doc for doc, *_rest in shown})
    hits = []
    table = q.table  # positioned by now for a phrase
    sql = (
        f"SELECT snippet({table}, 4, ?, ?, '…', ?) FROM {table} WHERE {table} MATCH ? AND rowid = ?"
    )
    for _doc, rowid, mono_id, title, key, label, score in shown:
        rows = q.first_rows(
            conn,
            q.section_forms,
            sql,
            lambda terms: (OPEN, CLOSE, SNIPPET_WORDS, q.positive(terms)),
            rowid,
        )
        snippet = _SPACE_RUNS.sub(" ", rows[0][0] or "") if rows else ""
        hits.append(Hit(mono_id, title, key, label, marks(flat_snippet(snippet)), score))
    return SearchResult(text, corrected, total, tuple(hits), query.truncated)


# Displayed scores: each level of the order (name tier, then kind tier) is BAND above the
# next, and a monograph's evidence, as a share of the best one's, adds up to BAND, so scores
# fall down the list.
BAND = 50.0
# The kind tier of a monograph that matched only through a prefix form the vocabulary does
# not hold (see _spelt_terms): after every other.
UNTIERED = len(TIERS)


def _rank(
    conn: Any, q: _Query, members: set[int] | None, names: dict[int, int], limit: int
) -> list[tuple[int, int, float, int]]:
    """The first `limit` monographs in order, and any tied with the last: (name tier, kind
    tier, minus evidence, doc).

    The order: monographs named by the query (by id, title or alias, then as an ingredient
    of a combination); then by the best tier of sections the query matched in (kinds.py:
    Usage, then How it Works, Dosage, names and other kinds, then Side Effects, Precautions
    and warnings, then boilerplate), counting the monograph's names in every tier; then by
    evidence: bm25 over the whole monograph, each section's words weighted by its kind.
    Tiers are looked at best first, and only until `limit` monographs are found, so only
    the monographs of the tiers needed are scored.
    """
    if limit == 0:
        return []
    tier_of: dict[int, int] = {}
    scores: dict[int, float] = {}
    sql = (
        f"SELECT rowid, bm25(ranking, {RANKING_WEIGHTS}) FROM ranking WHERE ranking MATCH ?"
        " AND +rowid IN (SELECT rowid FROM ranking WHERE ranking MATCH ?)"
    )
    named = [doc for doc in names if _member(doc, members)]
    for t in range(len(TIERS)):
        columns = " ".join(
            [NAME_COLUMNS, *(f"{name}_heading {name}_text" for name in TIERS[: t + 1])]
        )
        rows = q.first_rows(conn, q.forms, sql, functools.partial(q.within, columns))
        for doc, rank in rows:
            if doc not in tier_of and _member(doc, members):
                tier_of[doc] = t
                scores[doc] = -rank
        if len(tier_of) >= limit and all(doc in tier_of for doc in named):
            break
    if len(tier_of) < limit:  # matched only through a prefix form: the prefix finds them
        sql = "SELECT rowid FROM ranking WHERE ranking MATCH ?"
        for (doc,) in conn.execute(sql, (q.matching,)):
            if doc not in tier_of and _member(doc, members):
                tier_of[doc] = UNTIERED
    # Evidence as a share of the best: bm25 gives a word that most monographs hold almost no
    # weight (its idf), so only the order of the raw scores means anything.
    best = max(scores.values(), default=0.0) or 1.0
    keys = [(names.get(doc, 2), t, -scores.get(doc, 0.0) / best, doc) for doc, t in tier_of.items()]
    first = heapq.nsmallest(limit, keys)
    if not first:
        return []
    last = first[-1][:3]
    return first + sorted(k for k in keys if k[:3] == last and k not in first)


def _member(doc: int, members: set[int] | None) -> bool:
    return members is None or doc in members


def _pick(
    conn: Any,
    q: _Query,
    order: list[tuple[int, int, float, int]],
    limit: int,
    names: dict[int, int],
    sections: list[str] | None,
    own: dict[int, list[int]] | None,
    parts: dict[int, int],
) -> list[tuple[int, int, str, str, str, str, float]]:
    """The first `limit` results: (doc, rowid, id, title, key, label, score).

    Each monograph shows its best section: for a name query its Usage section; otherwise the
    section of the best kind whose own heading or text matched (of two of one kind, the one
    with more evidence there); never boilerplate while another section matched. With `own`
    (all_sections: doc -> rowids of its sections matched in their own text) each such
    section once, best first.
    """
    if not order or limit == 0:
        return []
    docs = [o[3] for o in order]
    info = {
        doc: (mono, title)
        for doc, mono, title in conn.execute(
            f"SELECT doc, id, title FROM docs WHERE doc IN ({','.join('?' * len(docs))})", docs
        )
    }
    # (Callers read in one transaction; a monograph missing here was removed meanwhile.)
    head = sorted((o for o in order if o[3] in info), key=lambda o: (o[:3], info[o[3]][0]))
    wanted = set(sections or ())
    # Each shown monograph's candidate sections, best first by kind: (doc, rows, own text?).
    found: list[tuple[tuple[int, int, float, int], list[tuple[bool, bool, float, int]], bool]] = []
    meta: dict[int, tuple[str, str]] = {}  # rowid -> (key, label)
    count = 0
    for o in head:
        if count >= limit:
            break
        name_tier, _kind_tier, _neg_score, doc = o
        lo, hi = doc_rowids(doc)
        sql = "SELECT rowid, key, label FROM secmeta WHERE rowid BETWEEN ? AND ?"
        for rowid, key, label in conn.execute(sql, (lo, hi)):
            if not wanted or key in wanted:
                meta[rowid] = (key, label)
        matched = own.get(doc, []) if own is not None else _section_rows(conn, q, lo, hi, True)
        own_rows = [r for r in matched if r in meta]
        rows = own_rows or [r for r in _section_rows(conn, q, lo, hi) if r in meta]
        if not rows:
            continue
        ranked = sorted(
            (
                not (name_tier < 2 and meta[r][0] == "usage"),
                meta[r][0] in BOILERPLATE,
                -weight(meta[r][0]),
                r,
            )
            for r in rows
        )
        many = own is not None and bool(own_rows)
        found.append((o, ranked, many))
        count += len({_section_of(r[-1], parts) for r in ranked}) if many else 1
    # Sections of one kind that tie are told apart by their own text's evidence.
    tied = [
        r[-1]
        for _o, ranked, many in found
        for r in ranked
        if sum(1 for x in ranked if x[:3] == r[:3]) > 1 and (many or ranked[0][:3] == r[:3])
    ]
    evidence = _own_evidence(conn, q, tied) if tied else {}
    out: list[tuple[int, int, str, str, str, str, float]] = []
    for (name_tier, kind_tier, neg_score, doc), ranked, many in found:
        ranked.sort(key=lambda r: (r[:3], -evidence.get(r[-1], 0.0), r[-1]))
        if many:  # each section once, by its best passage
            best_of: dict[int, int] = {}
            for *_k, r in ranked:
                best_of.setdefault(_section_of(r, parts), r)
            chosen = list(best_of.values())
        else:
            chosen = [ranked[0][-1]]
        level = (2 - name_tier) * (UNTIERED + 1) + (UNTIERED - kind_tier)
        score = round(BAND * level - (BAND - 0.0001) * neg_score, 4)
        mono, title = info[doc]
        for rowid in chosen:
            key, label = meta[rowid]
            out.append((doc, rowid, mono, title, key, label, score))
            if len(out) == limit:
                return out
    return out


def _own_evidence(conn: Any, q: _Query, rowids: list[int]) -> dict[int, float]:
    """How densely these sections' own headings and text hold the query's words: matches
    (weighted as WEIGHTS weighs headings and text) per word.

    Read from highlight(), which needs no setup for the whole query, unlike bm25(): one
    scoring statement costs more than all of these together.
    """
    w = WEIGHTS
    sql = (
        f"SELECT highlight({q.table}, 3, ?, ?), highlight({q.table}, 4, ?, ?) FROM {q.table}"
        f" WHERE {q.table} MATCH ? AND rowid = ?"
    )
    out: dict[int, float] = {}
    for rowid in rowids:
        found = q.first_rows(
            conn,
            q.section_forms,
            sql,
            lambda terms: (OPEN, CLOSE, OPEN, CLOSE, q.positive(terms)),
            rowid,
        )
        if found:
            row = found[0]
            heading, text = row[0] or "", row[1] or ""
            hits = w["heading"] * heading.count(OPEN) + w["body"] * text.count(OPEN)
            out[rowid] = hits / max(1, len(heading.split()) + len(text.split()))
    return out


def _section_rows(conn: Any, q: _Query, lo: int, hi: int, own_text: bool = False) -> list[int]:
    """The rowids of a monograph's sections that match (in their own text, if asked)."""
    sql = f"SELECT rowid FROM {q.table} WHERE {q.table} MATCH ? AND rowid BETWEEN ? AND ?"
    form = q.own_text if own_text else q.positive
    rows = q.first_rows(conn, q.section_forms, sql, lambda terms: (form(terms),), lo, hi)
    return [r for (r,) in rows]


def _section_of(rowid: int, parts: dict[int, int]) -> int:
    """The rowid of a section's first passage (see index.PASSAGE_CHARS)."""
    return rowid - parts.get(rowid, 0)
