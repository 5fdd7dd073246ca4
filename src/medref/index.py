"""The SQLite index cache: schema, freshness, builds and name lookup.

The index is a cache, never a source of truth. Its schema version lives in
`PRAGMA user_version` and the medref version in `meta`; when either differs the index is
rebuilt from scratch into a temporary file that is swapped in with `os.replace`, so no
process ever opens a half-built index. Small changes (a file added, edited or removed) are
applied in one transaction, which SQLite makes atomic for every reader.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

try:  # the C module directly: importing hashlib also loads OpenSSL, slowing every start
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - other Python implementations
    from hashlib import blake2b

from medref import __version__
from medref.corpus import (
    Assigned,
    Corpus,
    FileEntry,
    Folder,
    Known,
    assign_ids,
    cache_dir,
    entry_kind,
    file_stamp,
    folder_stamp,
    stem_id,
    walk,
)
from medref.errors import Ambiguous, EnvironmentProblem, NotFound, UsageError
from medref.models import Monograph, list_entry
from medref.names import MAX_NAME, close_matches, fold, name_key

# Bumped when the tables or what the parser stores change (13: front matter read as text;
# 14: long sections as passages).
SCHEMA_VERSION = 14
# names.rank: 0 id, 1 title, 2 alias, 3 one ingredient of a combination product.
INGREDIENT_RANK = 3
_COMBINATION = re.compile(r"\s*(?:\+|/|&|,|\band\b|\bwith\b)\s*", re.I)
# Parse in worker processes only when there is enough work to pay for starting them.
PARALLEL_THRESHOLD = 200
# A section's rowid is (doc << SECTION_BITS) + its position, so search can rank monographs
# from the FTS table alone, without a join. Sections past the last number are merged.
SECTION_BITS = 16
MAX_SECTIONS = 1 << SECTION_BITS
# Real sections are a few KB (a long FDA label section tens of KB): only pathological ones
# are cut, and words in different passages of one section do not match together.
PASSAGE_CHARS = 100_000
# Seconds between full freshness checks (one stat() per file); MEDREF_RECHECK overrides.
# In between, a command stats the corpus folders (a file added, removed, renamed or saved
# by an editor that replaces it changes its folder) and the files it shows.
RECHECK_SECONDS = 30.0
# Index files of other corpus sets unused for this long are deleted when one is built.
UNUSED_DAYS = 30
# zlib level for stored text: 1 is half the time of the default 6 here, and 2-10% larger.
ZLIB_LEVEL = 1

# Problems worth a warning line when a file is indexed (validate reports all of them).
WARN_CODES = frozenset({"front-matter-yaml", "front-matter-unclosed", "not-utf8", "empty"})

Progress = Callable[[int, int], None]
Warn = Callable[[str], None]

_WORD = re.compile(r"[^\W\d_]{3,}")

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
CREATE TABLE docs (
    doc INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    corpus INTEGER NOT NULL,
    rel TEXT NOT NULL,
    stamp TEXT NOT NULL,
    id TEXT NOT NULL,
    active INTEGER NOT NULL,
    title TEXT,
    aliases TEXT,          -- aliases joined with ' ; ', as the FTS5 table indexes them
    meta TEXT,             -- class and tags joined with ' ; ', likewise
    listing TEXT,          -- JSON: the entry in `list --json`, as json.dumps writes it
    data BLOB,             -- zlib-compressed JSON of the parsed monograph; NULL if unreadable
    problems TEXT          -- JSON list of problems found reading or parsing the file
);
CREATE INDEX docs_id ON docs(id, active);
CREATE TABLE names (norm TEXT NOT NULL, doc INTEGER NOT NULL, rank INTEGER NOT NULL);
CREATE INDEX names_norm ON names(norm);
-- One row per section; its rowid is (doc << SECTION_BITS) + its position in the monograph.
-- The text is zlib-compressed: FTS5 reads it only to make snippets.
CREATE TABLE sectext (rowid INTEGER PRIMARY KEY, heading TEXT NOT NULL, body BLOB NOT NULL);
-- Each section's identity, narrow, so ranking and filtering never read the text rows.
-- `part`: a long section is indexed as passages of at most PASSAGE_CHARS (0 is the first), so
-- no one FTS5 row is huge (snippet() slows down with the square of a row's matches).
CREATE TABLE secmeta (
    rowid INTEGER PRIMARY KEY, key TEXT NOT NULL, label TEXT NOT NULL, part INTEGER NOT NULL
);
CREATE INDEX secmeta_parts ON secmeta(part) WHERE part > 0;  -- usually empty
-- What FTS5 indexes, one row per section: the monograph's names and tags (stored once, in
-- docs) beside the section's own heading and text. medref_unzip() is registered on every
-- connection (_connect).
CREATE VIEW sections(rowid, title, aliases, meta, heading, body) AS
    SELECT t.rowid, d.title, d.aliases, d.meta, t.heading, medref_unzip(t.body)
    FROM sectext t JOIN docs d ON d.doc = t.rowid >> {bits};
-- External-content FTS5 table over that view (https://sqlite.org/fts5.html#external_content_tables):
-- the text is stored once, and rows are removed with the special 'delete' command.
CREATE VIRTUAL TABLE fts USING fts5(
    title, aliases, meta, heading, body,
    content='sections', content_rowid='rowid',
    tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TABLE words (word TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID;
-- Every folder of the last scan and its stamp ('' = changed too recently to trust).
CREATE TABLE folders (
    corpus INTEGER NOT NULL, path TEXT NOT NULL, parent TEXT NOT NULL, stamp TEXT NOT NULL,
    PRIMARY KEY (corpus, path)
) WITHOUT ROWID;
"""

# ---------------------------------------------------------------------------------------
# Parsing one file, in this process or a worker


class Record(NamedTuple):
    """Everything one file contributes to the index, ready to insert.

    Built where the file is parsed (a worker process, for big builds), so the main
    process only runs SQL and never re-walks a parsed monograph.
    """

    assigned: Assigned
    error: str | None  # why the file could not be read at all
    warning: str | None  # a problem worth one warning line
    title: str | None
    listing: str | None  # JSON: this file's entry in `list --json`
    data: bytes | None  # packed monograph
    problems: str  # JSON list
    names: list[tuple[str, int]]  # (name key, rank)
    aliases: str  # joined, as indexed
    meta: str
    rows: list[tuple[str, str, str, str, bytes, int]]  # key, label, heading, text, zipped, part
    words: list[str]


def _record(
    a: Assigned, mono: Monograph | None, error: str | None, data: bytes | None = None
) -> Record:
    problems: list[Any] = [["unreadable", error, 1, "error"]] if error else []
    if mono is None:
        return Record(a, error, None, None, None, None, json.dumps(problems), [], "", "", [], [])
    problems += [[p.code, p.message, p.line, p.level] for p in mono.problems]
    warning = next(
        (f"{p.message} (line {p.line})" for p in mono.problems if p.code in WARN_CODES), None
    )
    names = [(name_key(a.id), 0), (name_key(mono.title), 1)]
    names += [(name_key(alias), 2) for alias in mono.aliases]
    # Ingredients of a combination ("Ibuprofen + Paracetamol"): for ranking search
    # results, never for resolving a name.
    parts = ingredient_names(mono.title)
    names += [(name_key(p), INGREDIENT_RANK) for p in parts if len(parts) > 1]
    aliases = " ; ".join(mono.aliases)
    meta = " ; ".join([mono.drug_class or "", *mono.tags])
    texts = [
        (s.key, s.label, f"{s.heading} {s.ingredient or ''}".strip(), s.text) for s in mono.sections
    ] or [("overview", "Overview", "", "")]  # findable by name
    cut = [(*t[:3], text, n) for t in texts for n, text in enumerate(_passages(t[3]))]
    if len(cut) > MAX_SECTIONS:  # only a pathological file: keep every word searchable
        key, label, heading, _text, n = cut[MAX_SECTIONS - 1]
        rest = "\n".join(f"{t[2]}\n{t[3]}" for t in cut[MAX_SECTIONS - 1 :])
        cut = [*cut[: MAX_SECTIONS - 1], (key, label, heading, rest, n)]
    rows = [(k, lb, h, t, zlib.compress(t.encode(), ZLIB_LEVEL), n) for k, lb, h, t, n in cut]
    return Record(
        a,
        None,
        warning,
        mono.title,
        json.dumps(
            list_entry(a.id, mono.title, list(mono.aliases), mono.section_keys(), a.entry.path),
            ensure_ascii=False,
        ),
        data or _pack(mono),
        json.dumps(problems),
        [n for n in names if n[0]],
        aliases,
        meta,
        rows,
        sorted(_words(mono)),
    )


def _passages(text: str) -> list[str]:
    """A section's text cut at spaces into passages of at most PASSAGE_CHARS characters."""
    out: list[str] = []
    start = 0
    while len(text) - start > PASSAGE_CHARS:
        cut = text.rfind(" ", start + PASSAGE_CHARS // 2, start + PASSAGE_CHARS)
        if cut <= start:
            cut = start + PASSAGE_CHARS
        out.append(text[start:cut])
        start = cut
    out.append(text[start:])
    return out


def _parse_one(assigned: Assigned, corpus_label: str) -> Record:
    from medref.parse import parse_file

    try:
        mono = parse_file(Path(assigned.entry.path), mono_id=assigned.id, corpus=corpus_label)
    except FileNotFoundError:
        return _record(assigned, None, "file vanished while indexing")
    except PermissionError:
        return _record(assigned, None, "permission denied")
    except (OSError, ValueError, RecursionError) as exc:
        return _record(assigned, None, str(exc) or type(exc).__name__)
    except Exception as exc:  # a parser bug must cost one file, never the whole index
        return _record(assigned, None, f"could not be parsed ({type(exc).__name__}: {exc})")
    return _record(assigned, mono, None)


def _worker_init() -> None:
    # Ctrl-C is the parent's to handle; workers must not print tracebacks of their own.
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # If the parent is killed, die with it instead of waiting for work forever (Linux).
    try:
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def _parse_batch(batch: list[tuple[Assigned, str]]) -> list[Record]:
    return [_parse_one(a, label) for a, label in batch]


def _parse_all(todo: list[tuple[Assigned, str]], progress: Progress | None) -> Iterator[Record]:
    total = len(todo)
    if total < PARALLEL_THRESHOLD or (os.cpu_count() or 1) < 2:
        for n, item in enumerate(todo, 1):
            yield _parse_one(*item)
            if progress:
                progress(n, total)
        return
    from concurrent.futures import ProcessPoolExecutor

    workers = min(os.cpu_count() or 2, 8)
    size = 64
    batches = [todo[i : i + size] for i in range(0, total, size)]
    done = 0
    with ProcessPoolExecutor(max_workers=workers, initializer=_worker_init) as pool:
        for result in pool.map(_parse_batch, batches):
            yield from result
            done += len(result)
            if progress:
                progress(done, total)


# ---------------------------------------------------------------------------------------
# Writing rows


def ingredient_names(title: str) -> list[str]:
    """The parts of a combination title: "Ibuprofen + Paracetamol" -> both names."""
    return [p for p in _COMBINATION.split(title) if p.strip()]


def _words(mono: Monograph) -> set[str]:
    parts = [mono.title, *mono.aliases]
    for s in mono.sections:
        parts.append(s.heading)
        parts.append(s.text)
    return set(_WORD.findall(fold(" ".join(parts))))


def _pack(mono: Monograph) -> bytes:
    return zlib.compress(json.dumps(mono.to_cache(), ensure_ascii=False).encode(), ZLIB_LEVEL)


def unpack(data: bytes) -> Monograph:
    return Monograph.from_cache(json.loads(zlib.decompress(data)))


class _Writer:
    """Applies parsed files to an open connection, inside the caller's transaction."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.df: Counter[str] = Counter()

    def remove(self, doc: int) -> None:
        conn = self.conn
        row = conn.execute("SELECT active, data FROM docs WHERE doc=?", (doc,)).fetchone()
        if row and row[0] and row[1] is not None:
            self.df.subtract(_words(unpack(row[1])))
        span = (doc << SECTION_BITS, ((doc + 1) << SECTION_BITS) - 1)
        # The 'delete' command needs the values that were indexed, read back via the view.
        conn.executemany(
            "INSERT INTO fts(fts, rowid, title, aliases, meta, heading, body)"
            " VALUES('delete', ?, ?, ?, ?, ?, ?)",
            conn.execute(
                "SELECT rowid, title, aliases, meta, heading, body FROM sections"
                " WHERE rowid BETWEEN ? AND ?",
                span,
            ).fetchall(),
        )
        conn.execute("DELETE FROM sectext WHERE rowid BETWEEN ? AND ?", span)
        conn.execute("DELETE FROM secmeta WHERE rowid BETWEEN ? AND ?", span)
        conn.execute("DELETE FROM names WHERE doc=?", (doc,))

    def put(self, r: Record, doc: int | None = None) -> None:
        """Insert or replace one file's rows."""
        conn = self.conn
        a = r.assigned
        e = a.entry
        active = a.active and r.data is not None
        values = (
            e.path,
            e.corpus,
            e.rel,
            e.stamp,
            a.id,
            int(active),
            r.title,
            r.aliases,
            r.meta,
            r.listing,
            r.data,
            r.problems,
        )
        if doc is None:
            cur = conn.execute(
                "INSERT INTO docs(path, corpus, rel, stamp, id, active, title, aliases, meta,"
                " listing, data, problems) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                values,
            )
            doc = int(cur.lastrowid or 0)
        else:
            conn.execute(
                "UPDATE docs SET path=?, corpus=?, rel=?, stamp=?, id=?, active=?, title=?,"
                " aliases=?, meta=?, listing=?, data=?, problems=? WHERE doc=?",
                (*values, doc),
            )
        if not active:
            return
        self.df.update(r.words)
        conn.executemany(
            "INSERT INTO names(norm, doc, rank) VALUES (?,?,?)",
            [(norm, doc, rank) for norm, rank in r.names],
        )
        first = doc << SECTION_BITS
        conn.executemany(
            "INSERT INTO sectext(rowid, heading, body) VALUES (?,?,?)",
            [(first + i, row[2], row[4]) for i, row in enumerate(r.rows)],
        )
        conn.executemany(
            "INSERT INTO secmeta(rowid, key, label, part) VALUES (?,?,?,?)",
            [(first + i, row[0], row[1], row[5]) for i, row in enumerate(r.rows)],
        )
        conn.executemany(
            "INSERT INTO fts(rowid, title, aliases, meta, heading, body) VALUES (?,?,?,?,?,?)",
            [
                (first + i, r.title, r.aliases, r.meta, row[2], row[3])
                for i, row in enumerate(r.rows)
            ],
        )

    def flush_words(self) -> None:
        conn = self.conn
        for word, delta in self.df.items():
            if delta == 0:
                continue
            conn.execute(
                "INSERT INTO words(word, df) VALUES (?, ?)"
                " ON CONFLICT(word) DO UPDATE SET df = df + excluded.df",
                (word, delta),
            )
        conn.execute("DELETE FROM words WHERE df <= 0")
        self.df.clear()


# ---------------------------------------------------------------------------------------
# The index


class BuildReport:
    """What a freshness check or build did."""

    def __init__(self, full: bool = False) -> None:
        self.full = full
        self.parsed = 0
        self.removed = 0
        self.seconds = 0.0


class Index:
    """An open, fresh index over a list of corpora."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        path: Path | None,
        corpora: list[Corpus],
        report: BuildReport,
        *,
        trusting: bool = False,
    ) -> None:
        self.conn = conn
        self.path = path  # None when the index lives in memory
        self.corpora = corpora
        self.report = report
        # True when opened after checking folders only: files it hands out are verified.
        self.trusting = trusting
        # Files edited since they were indexed, not re-parsed yet (open_index's `defer`).
        self.pending: frozenset[str] = frozenset()

    def verify(self, docs: Iterable[int]) -> None:
        """Raise Stale if the file of any of these docs changed since it was indexed."""
        if not self.trusting:
            return
        for doc in docs:
            row = self.conn.execute("SELECT path, stamp FROM docs WHERE doc=?", (doc,)).fetchone()
            if row is None:
                continue
            try:
                stamp = file_stamp(os.stat(row[0]))
            except OSError:
                stamp = ""
            if stamp != row[1]:
                raise Stale(os.path.dirname(row[0]))

    # -- lookups --------------------------------------------------------------------

    def resolve(self, name: str) -> int:
        """The doc number for an id, title or alias; raises NotFound or UsageError."""
        if "\x00" in name:
            raise NotFound(
                f"no monograph named {_shown(name)}", hint="names cannot contain NUL bytes"
            )
        key = name_key(name)
        if not key:
            raise UsageError(
                f"{_shown(name)} is not a monograph name",
                hint="give an id, title or alias, e.g. 'medref show colostrum'",
            )
        if len(name) > MAX_NAME:
            raise NotFound("no monograph has a name that long", hint="try 'medref list'")
        by_id = self.conn.execute(
            "SELECT d.doc, d.path FROM docs d WHERE d.id=? AND d.active", (name.strip().lower(),)
        ).fetchone()
        if self.pending and (by_id is None or by_id[1] in self.pending):
            # A pending edit may change this answer (a new title or alias, this very file).
            raise Stale("")
        if by_id:
            return int(by_id[0])
        rows = self.conn.execute(
            "SELECT n.doc, n.rank, d.id FROM names n JOIN docs d ON d.doc=n.doc"
            f" WHERE n.norm=? AND d.active AND n.rank < {INGREDIENT_RANK}"
            " ORDER BY n.rank, d.corpus, d.doc",
            (key,),
        ).fetchall()
        if rows:
            # A title beats an alias; two monographs with the same best kind of name are
            # never picked between silently (a user's file may share a brand name).
            ids = list(dict.fromkeys(mono_id for _doc, rank, mono_id in rows if rank == rows[0][1]))
            if len(ids) > 1:
                kind = ("id", "title", "alias")[rows[0][1]]
                raise Ambiguous(
                    f"{_shown(name)} is the {kind} of {len(ids)} monographs",
                    suggestions=ids[:10],
                )
            return int(rows[0][0])
        raise NotFound(
            f"no monograph named {_shown(name)}",
            suggestions=self.suggest(key),
            hint="try 'medref list' or 'medref search'",
        )

    def section_keys(self) -> list[str]:
        return [k for (k,) in self.conn.execute("SELECT DISTINCT key FROM secmeta")]

    def name_tiers(self, key: str) -> dict[int, int]:
        """doc -> 0 when key is its id, title or alias; 1 when an ingredient's name."""
        rows = self.conn.execute(
            "SELECT doc, min(rank) FROM names WHERE norm=? GROUP BY doc", (key,)
        ).fetchall()
        return {doc: 0 if rank < INGREDIENT_RANK else 1 for doc, rank in rows}

    def suggest(self, key: str, limit: int = 5) -> list[str]:
        """Ids whose names are close to `key` (a name_key)."""
        rows = self.conn.execute(
            "SELECT n.norm, d.id FROM names n JOIN docs d ON d.doc=n.doc WHERE d.active"
            f" AND n.rank < {INGREDIENT_RANK}"
            " AND length(n.norm) BETWEEN ? AND ?",
            (len(key) - 3, len(key) + 40),
        ).fetchall()
        by_norm: dict[str, str] = {}
        for norm, mono_id in rows:
            by_norm.setdefault(norm, mono_id)
        ids: list[str] = []
        near = close_matches(key, (n for n in by_norm if abs(len(n) - len(key)) <= 3), limit)
        prefixed = sorted(n for n in by_norm if n.startswith(key) and len(key) >= 3)
        for norm in near + prefixed:
            mono_id = by_norm[norm]
            if mono_id not in ids:
                ids.append(mono_id)
        return ids[:limit]

    def get(self, name: str) -> Monograph:
        doc = self.resolve(name)
        return self.load(doc)

    def load(self, doc: int) -> Monograph:
        self.verify((doc,))
        row = self.conn.execute("SELECT data FROM docs WHERE doc=?", (doc,)).fetchone()
        if row is None or row[0] is None:
            raise NotFound(
                f"monograph #{doc} is not in the index", hint="run 'medref index --rebuild'"
            )
        return unpack(row[0])

    def all(self) -> Iterator[Monograph]:
        for (data,) in self.conn.execute("SELECT data FROM docs WHERE active ORDER BY id"):
            yield unpack(data)

    def summaries(self) -> list[dict[str, Any]]:
        """Every active monograph's `list --json` entry, by id."""
        return [json.loads(row) for row in self._listings()]

    def listing_json(self) -> str:
        """`list --json` on one line, exactly as json.dumps(self.summaries()) would write it."""
        return "[" + ", ".join(self._listings()) + "]"

    def _listings(self) -> list[str]:
        return [
            r for (r,) in self.conn.execute("SELECT listing FROM docs WHERE active ORDER BY id")
        ]

    def completions(self, prefix: str, limit: int = 200) -> list[str]:
        """Ids and aliases (in id form, e.g. 'tylenol') starting with prefix, for shells."""
        from medref.names import slugify

        low = prefix.lower()
        rows = self.conn.execute(
            "SELECT id FROM docs WHERE active AND id >= ? AND id < ? ORDER BY id LIMIT ?",
            (low, low + "\U0010ffff", limit),
        ).fetchall()
        out = [r[0] for r in rows]
        seen = set(out)
        for listing in self._listings():
            for alias in json.loads(listing)["aliases"]:
                form = slugify(alias)
                if form.startswith(low) and form not in seen:
                    seen.add(form)
                    out.append(form)
        return out[:limit]

    def problems(self) -> list[tuple[str, list[Any]]]:
        return [
            (path, json.loads(p))
            for path, p in self.conn.execute(
                "SELECT path, problems FROM docs WHERE problems != '[]' ORDER BY path"
            )
        ]

    def info(self) -> dict[str, Any]:
        meta = dict(self.conn.execute("SELECT key, value FROM meta").fetchall())
        count = self.conn.execute("SELECT count(*) FROM docs WHERE active").fetchone()[0]
        files = self.conn.execute("SELECT count(*) FROM docs").fetchone()[0]
        unreadable = self.conn.execute("SELECT count(*) FROM docs WHERE data IS NULL").fetchone()[0]
        overridden = [
            {"id": i, "source": p}
            for i, p in self.conn.execute(
                "SELECT id, path FROM docs WHERE NOT active AND data IS NOT NULL ORDER BY id"
            )
        ]
        renamed = [
            {"id": i, "source": p}
            for i, p, rel in self.conn.execute("SELECT id, path, rel FROM docs WHERE active")
            if i != stem_id(rel)
        ]
        per_corpus = dict(
            self.conn.execute("SELECT corpus, count(*) FROM docs WHERE active GROUP BY corpus")
        )
        return {
            "path": str(self.path) if self.path else ":memory:",
            "monographs": count,
            "files": files,
            "unreadable": unreadable,
            "built": meta.get("built"),
            "updated": meta.get("updated"),
            "medref_version": meta.get("version"),
            "schema": SCHEMA_VERSION,
            "corpora": [
                {"path": str(c.path), "origin": c.origin, "monographs": per_corpus.get(i, 0)}
                for i, c in enumerate(self.corpora)
            ],
            "overridden": overridden,
            "renamed": renamed,
        }


def _shown(name: str) -> str:
    """A user-typed name, shortened and made safe for a one-line message."""
    short = name if len(name) <= 60 else name[:57] + "..."
    return repr(short)


# ---------------------------------------------------------------------------------------
# Opening, checking freshness, building


def _digest(corpora: list[Corpus], entries: list[FileEntry]) -> str:
    h = blake2b(digest_size=16)
    h.update(repr([(c.path, c.origin) for c in corpora]).encode(errors="surrogateescape"))
    h.update("\n".join([e.path + "\0" + e.stamp for e in entries]).encode(errors="surrogateescape"))
    return h.hexdigest()


def index_path(corpora: list[Corpus]) -> Path:
    key = blake2b(
        "\n".join(str(c.path) for c in corpora).encode(errors="surrogateescape"), digest_size=6
    ).hexdigest()
    return cache_dir() / f"index-{key}.sqlite"


def _connect(path: Path | str) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    conn.execute("PRAGMA busy_timeout = 30000")
    _register(conn)
    return conn


def _register(conn: sqlite3.Connection) -> None:
    conn.create_function("medref_unzip", 1, _unzip, deterministic=True)


def _unzip(data: bytes | None) -> str | None:
    return None if data is None else zlib.decompress(data).decode()


def _valid(conn: sqlite3.Connection, path: Path) -> bool:
    """Is this an index of our schema and version, whole (not truncated)?"""
    try:
        if conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
            return False
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        if path.stat().st_size < page_size * pages:
            return False
        row = conn.execute("SELECT value FROM meta WHERE key='version'").fetchone()
        return bool(row and row[0] == __version__)
    except (sqlite3.Error, OSError):
        return False


def _create(conn: sqlite3.Connection) -> None:
    try:
        conn.executescript(SCHEMA.replace("{bits}", str(SECTION_BITS)))
    except sqlite3.OperationalError as exc:
        if "fts5" in str(exc).lower():
            raise EnvironmentProblem(
                "this Python's SQLite has no FTS5 full-text search",
                hint="install a Python built with SQLite 3.9 or newer with FTS5 enabled",
            ) from exc
        raise
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _labels(corpora: list[Corpus]) -> list[str]:
    return [c.origin for c in corpora]


class _ScanState(NamedTuple):
    entries: list[FileEntry]
    digest: str
    folders: list[Folder]
    checked: float | None  # when every file was last stat()ed; None: not by this scan
    trusted: bool  # False when the scan warned: check everything again next time
    duplicates: bool  # some folder or file was reached twice: changes need a full scan


def _scan_state(corpora: list[Corpus], known: Known | None, warn: Warn) -> _ScanState:
    started = time.time()  # a change made during the walk may have been missed
    result = walk(corpora, known)
    for w in result.warnings:
        warn(w)
    return _ScanState(
        result.entries,
        _digest(corpora, result.entries),
        result.folders,
        started if known is None else None,
        not result.warnings,
        result.duplicates,
    )


def _set_meta(conn: sqlite3.Connection, meta: dict[str, str]) -> None:
    conn.executemany(
        "INSERT INTO meta(key, value) VALUES (?, ?)"
        " ON CONFLICT(key) DO UPDATE SET value=excluded.value",
        list(meta.items()),
    )


def _save_scan(conn: sqlite3.Connection, corpora: list[Corpus], state: _ScanState) -> None:
    """Record what the scan saw, for the quick checks of the commands that follow."""
    conn.execute("DELETE FROM folders")
    conn.executemany(
        "INSERT OR REPLACE INTO folders(corpus, path, parent, stamp) VALUES (?,?,?,?)",
        [(f.corpus, f.path, f.parent, f.stamp) for f in state.folders],
    )
    meta = {"corpora": _corpora_key(corpora), "duplicates": "1" if state.duplicates else "0"}
    if not state.trusted:
        meta["checked"] = "0"  # scan again in full next time, repeating its warnings
    elif state.checked is not None:
        meta["checked"] = repr(state.checked)
    _set_meta(conn, meta)


def _corpora_key(corpora: list[Corpus]) -> str:
    return json.dumps([[str(c.path), c.origin] for c in corpora])  # ASCII: \udcxx escaped


def recheck_seconds() -> float:
    """How long the index trusts folder times before stat()ing every file again."""
    raw = os.environ.get("MEDREF_RECHECK", "").strip()
    if not raw:
        return RECHECK_SECONDS
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise UsageError(
            f"MEDREF_RECHECK={_shown(raw)} is not a number of seconds",
            hint="e.g. MEDREF_RECHECK=0 checks every file on every command",
        )
    return value


def _quick_check(
    conn: sqlite3.Connection, corpora: list[Corpus]
) -> tuple[list[tuple[str, str, str]], bool]:
    """The recorded folders, if the index may be trusted without a full scan (else []),
    and whether the last scan reached some folder or file twice."""
    meta = dict(
        conn.execute(
            "SELECT key, value FROM meta WHERE key IN ('corpora', 'checked', 'duplicates')"
        )
    )
    duplicates = meta.get("duplicates") != "0"
    if meta.get("corpora") != _corpora_key(corpora):
        return [], duplicates
    try:
        age = time.time() - float(meta.get("checked") or 0)
    except ValueError:
        return [], duplicates
    if not 0 <= age <= recheck_seconds():
        return [], duplicates
    folders = [
        (path, parent, stamp)
        for path, parent, stamp in conn.execute("SELECT path, parent, stamp FROM folders")
    ]
    return folders, duplicates


def _changed_folders(
    folders: list[tuple[str, str, str]], dirty: set[str]
) -> list[tuple[str, str]] | None:
    """(folder, new stamp) for each folder that changed or is dirty; None if one is gone."""
    now = time.time_ns()
    out = []
    for path, _parent, stamp in folders:
        try:
            new = folder_stamp(os.stat(path), now)
        except OSError:
            return None
        if new != stamp or not stamp or path in dirty:
            out.append((path, new))
    return out


def _refresh_in_place(
    conn: sqlite3.Connection,
    folders: list[tuple[str, str, str]],
    changed: list[tuple[str, str]],
    labels: list[str],
    warn: Warn,
    pending: set[str] | None = None,
) -> BuildReport | None:
    """Re-parse the files edited in the changed folders, if that is all that happened.

    This is the common case (an editor saved a file), and it needs no walk of the other
    folders and no look at the other files. Returns None when a changed folder gained,
    lost or renamed a file or folder, or an edited file is not a plain active monograph:
    then ids or precedence may move, and the caller scans.
    """
    start = time.perf_counter()
    children: dict[str, set[str]] = {}
    for path, parent, _stamp in folders:
        children.setdefault(parent, set()).add(path)
    edits: list[tuple[str, str]] = []  # (path, new stamp)
    for folder, _new in changed:
        try:
            with os.scandir(folder) as it:
                items = list(it)
            subfolders = set()
            files = {}
            for item in items:
                kind = entry_kind(item)
                if kind == "dir":
                    subfolders.add(item.path)
                elif kind == "md":
                    st = item.stat()
                    if st.st_nlink > 1:  # a hard link: which path counts is the walk's call
                        return None
                    files[item.path] = file_stamp(st)
        except OSError:
            return None
        if subfolders != children.get(folder, set()):
            return None
        stored = {
            path: stamp
            for path, stamp in conn.execute(
                "SELECT path, stamp FROM docs WHERE path > ? AND path < ?",
                (folder + os.sep, folder + os.sep + "\U0010ffff"),
            )
            if os.path.dirname(path) == folder
        }
        if stored.keys() != files.keys():
            return None
        edits += [(path, stamp) for path, stamp in files.items() if stored[path] != stamp]
    report = BuildReport()
    if pending is not None and edits:
        # The caller looks one monograph up by id and will re-check it: leave the edits
        # (and the folder stamps, so they are found again) to a command that needs them.
        pending.update(path for path, _stamp in edits)
        return report
    recorded = {path: stamp for path, _parent, stamp in folders}
    restamp = [(new, f) for f, new in changed if new != recorded.get(f)]
    if not edits and not restamp:
        return report  # a folder still too new to trust: nothing to record yet
    try:
        with _writing(conn):
            writer = _Writer(conn)
            for path, stamp in edits:
                row = conn.execute(
                    "SELECT doc, corpus, rel, stamp, id, active FROM docs WHERE path=?", (path,)
                ).fetchone()
                if row is None or not row[5]:
                    raise _NotJustEdits
                doc, corpus, rel, before, mono_id, _active = row
                if before == stamp:
                    continue  # another process did it while we waited
                entry = FileEntry(path, corpus, rel, stamp)
                record = _parse_one(Assigned(entry, mono_id, True), labels[corpus])
                if record.error or record.data is None:
                    raise _NotJustEdits
                if record.warning:
                    warn(f"{path}: {record.warning}; read as well as possible")
                writer.remove(doc)
                writer.put(record, doc)
                report.parsed += 1
            writer.flush_words()
            conn.executemany("UPDATE folders SET stamp=? WHERE path=?", restamp)
            if report.parsed:  # the scan digest no longer describes the files
                _set_meta(conn, {"digest": "", "updated": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
    except _NotJustEdits:
        return None
    report.seconds = time.perf_counter() - start
    return report


class _NotJustEdits(Exception):
    """A file's edit changes more than its own rows: undo, and let a scan decide."""


@contextlib.contextmanager
def _writing(conn: sqlite3.Connection) -> Iterator[None]:
    """One write transaction: committed when the block ends, rolled back if it raises."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _known(
    conn: sqlite3.Connection, folders: list[tuple[str, str, str]], dirty: Iterable[str]
) -> Known:
    stale = set(dirty)
    stamps = {path: "" if path in stale else stamp for path, _parent, stamp in folders}
    children: dict[str, list[str]] = {}
    for path, parent, _stamp in folders:
        if parent:
            children.setdefault(parent, []).append(path)
    files: dict[str, list[FileEntry]] = {}
    for path, corpus, rel, stamp in conn.execute("SELECT path, corpus, rel, stamp FROM docs"):
        files.setdefault(os.path.dirname(path), []).append(FileEntry(path, corpus, rel, stamp))
    return Known(stamps, children, files)


def _sync(
    conn: sqlite3.Connection,
    corpora: list[Corpus],
    state: _ScanState,
    progress: Progress | None,
    warn: Warn,
    full: bool,
) -> BuildReport:
    """Bring the index in `conn` up to date with a scan, in one transaction."""
    start = time.perf_counter()
    report = BuildReport(full=full)
    entries, digest = state.entries, state.digest
    with _writing(conn):
        row = conn.execute("SELECT value FROM meta WHERE key='digest'").fetchone()
        if row and row[0] == digest:  # nothing changed, or another process caught it up
            _save_scan(conn, corpora, state)
            return report
        old = {
            path: (doc, stamp, corpus, mono_id, active, data is not None)
            for doc, path, stamp, corpus, mono_id, active, data in conn.execute(
                "SELECT doc, path, stamp, corpus, id, active, data IS NOT NULL FROM docs"
            )
        }
        assigned = assign_ids(entries)
        labels = _labels(corpora)
        writer = _Writer(conn)
        current = {a.entry.path for a in assigned}
        for path, (doc, *_rest) in old.items():
            if path not in current:
                writer.remove(doc)
                conn.execute("DELETE FROM docs WHERE doc=?", (doc,))
                report.removed += 1
        todo: list[tuple[Assigned, str]] = []
        for a in assigned:
            before = old.get(a.entry.path)
            if before is None or before[1] != a.entry.stamp:
                todo.append((a, labels[a.entry.corpus]))
            elif (before[2], before[3], bool(before[4])) != (
                a.entry.corpus,
                a.id,
                a.active and before[5],
            ):
                # Same file, new id or precedence: re-file the parsed data we already have.
                doc = before[0]
                data = conn.execute("SELECT data FROM docs WHERE doc=?", (doc,)).fetchone()[0]
                writer.remove(doc)
                mono = unpack(data) if data is not None else None
                if mono is not None and mono.id != a.id:
                    mono = mono._replace(id=a.id)
                    data = None
                writer.put(_record(a, mono, None if mono else "unreadable", data), doc)
        for record in _parse_all(todo, progress):
            a = record.assigned
            before = old.get(a.entry.path)
            if before is not None:
                writer.remove(before[0])
            if record.error:
                warn(f"{a.entry.path}: {record.error}; skipped")
            elif record.warning:
                warn(f"{a.entry.path}: {record.warning}; read as well as possible")
            writer.put(record, before[0] if before else None)
            report.parsed += 1
        writer.flush_words()
        now = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        meta = {"digest": digest, "version": __version__, "updated": now}
        if full:
            meta["built"] = now
        _set_meta(conn, meta)
        _save_scan(conn, corpora, state)
    report.seconds = time.perf_counter() - start
    return report


def _build_file(
    path: Path,
    corpora: list[Corpus],
    state: _ScanState,
    progress: Progress | None,
    warn: Warn,
) -> BuildReport:
    """Build a whole new index beside `path`, then swap it in atomically."""
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_orphans(path)
    _remove_unused(path)
    fd, tmp = tempfile.mkstemp(prefix=f"{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        conn = _connect(tmp)
        try:
            conn.execute("PRAGMA journal_mode = OFF")  # a failed build is thrown away whole
            conn.execute("PRAGMA synchronous = OFF")
            _create(conn)
            report = _sync(conn, corpora, state, progress, warn, full=True)
            # Merge the FTS5 index's segments into one: each search term is then looked up
            # in one b-tree instead of one per segment (https://sqlite.org/fts5.html#the_optimize_command).
            conn.execute("INSERT INTO fts(fts) VALUES('optimize')")
            conn.execute("PRAGMA journal_mode = DELETE")
        finally:
            conn.close()
        # The file must be on disk before it replaces the old index.
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return report


def _remove_orphans(path: Path) -> None:
    """Delete temporary builds left by processes that were killed (their pid is gone)."""
    for tmp in path.parent.glob(f"{path.name}.*.tmp"):
        try:
            pid = int(tmp.name[len(path.name) + 1 :].split(".", 1)[0])
        except ValueError:
            continue
        if pid == os.getpid() or _alive(pid):
            continue
        with contextlib.suppress(OSError):
            tmp.unlink()


def _remove_unused(path: Path) -> None:
    """Delete the indexes of other corpus sets that no command has used for UNUSED_DAYS.

    Each set of corpora has its own index file, and every full freshness check touches it,
    so a file this old belongs to folders nobody asks about any more.
    """
    cutoff = time.time() - UNUSED_DAYS * 86400
    for other in path.parent.glob("index-*.sqlite"):
        if other == path:
            continue
        with contextlib.suppress(OSError):
            if other.stat().st_mtime < cutoff:
                other.unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, but belongs to someone else
    return True


def _memory(
    corpora: list[Corpus], state: _ScanState, progress: Progress | None, warn: Warn
) -> Index:
    conn = _connect(":memory:")
    _create(conn)
    report = _sync(conn, corpora, state, progress, warn, full=True)
    return Index(conn, None, corpora, report)


class Stale(Exception):
    """A file the index trusted changed on disk; its folder must be read again."""

    def __init__(self, folder: str) -> None:
        super().__init__(folder)
        self.folder = folder


def open_index(
    corpora: list[Corpus],
    *,
    rebuild: bool = False,
    full_check: bool = False,
    dirty: Iterable[str] = (),
    defer: bool = False,
    progress: Progress | None = None,
    warn: Warn = lambda _m: None,
) -> Index:
    """Open the index for these corpora, refreshing or rebuilding it as needed.

    Within RECHECK_SECONDS of the last full check, and unless `full_check`, only the
    folders are checked; those that changed (and those in `dirty`) are read again, and the
    Index is "trusting": it checks the files it hands out (Index.verify). With `defer`,
    files found edited in place are not re-parsed yet: the Index lists them as pending and
    answers only lookups by id of other monographs (Index.resolve).
    """
    path = index_path(corpora)
    conn: sqlite3.Connection | None = None
    known: Known | None = None
    try:
        if not rebuild and path.is_file():
            conn = _connect(path)
            if _valid(conn, path):
                folders, duplicates = ([], True) if full_check else _quick_check(conn, corpora)
                if folders:
                    changed = _changed_folders(folders, set(dirty))
                    if changed == []:
                        return Index(conn, path, corpora, BuildReport(), trusting=True)
                    # With a folder or file reachable by two paths, which path wins depends
                    # on the whole walk: only a full scan decides it the same way each time.
                    if not duplicates:
                        pending: set[str] | None = set() if defer else None
                        labels = _labels(corpora)
                        report = (  # None: a recorded folder is gone, or more than edits
                            _refresh_in_place(conn, folders, changed, labels, warn, pending)
                            if changed
                            else None
                        )
                        if report is not None:
                            index = Index(conn, path, corpora, report, trusting=True)
                            index.pending = frozenset(pending or ())
                            return index
                        known = _known(conn, folders, dirty)
            else:
                conn.close()
                conn = None
        state = _scan_state(corpora, known, warn)
        if conn is not None:
            try:
                report = _sync(conn, corpora, state, progress, warn, full=False)
                if known is None:  # a full check: mark the file as in use (_remove_unused)
                    with contextlib.suppress(OSError):
                        os.utime(path)
                return Index(conn, path, corpora, report, trusting=known is not None)
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                # Another process has held the index for the whole busy timeout: answer
                # from it as it is rather than rebuild what is not damaged.
                warn("the index is busy in another medref process; results may be stale")
                return Index(conn, path, corpora, BuildReport())
            except sqlite3.DatabaseError:
                conn.close()  # damaged in a way the quick check missed: rebuild below
        report = _build_file(path, corpora, state, progress, warn)
        return Index(_connect(path), path, corpora, report)
    except (EnvironmentProblem, UsageError):
        raise
    except (sqlite3.Error, OSError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        warn(f"cannot use the index cache at {path} ({reason}); using a temporary in-memory index")
        return _memory(corpora, _scan_state(corpora, None, lambda _m: None), progress, warn)


def with_index(
    corpora: list[Corpus],
    action: Callable[[Index], Any],
    *,
    progress: Progress | None = None,
    warn: Warn = lambda _m: None,
    lookup: bool = False,
) -> Any:
    """Run action on a fresh index.

    `lookup`: the action only shows monographs it resolves by name, so edits to other
    files may wait (see open_index's `defer`).

    If a file it shows changed in place since it was indexed, its folder is read again and
    the action runs again; if the cache turns out damaged, it is rebuilt once.
    """
    dirty: list[str] = []
    rebuild = rebuilt = False
    while True:
        index = open_index(
            corpora,
            rebuild=rebuild,
            full_check=len(dirty) >= 3,
            dirty=dirty,
            defer=lookup and not dirty,
            progress=progress,
            warn=warn,
        )
        rebuild = False
        try:
            # One read transaction: a process that updates the index meanwhile waits, so
            # the action's queries all see the same index.
            index.conn.execute("BEGIN")
            try:
                return action(index)
            finally:
                with contextlib.suppress(sqlite3.Error):
                    index.conn.execute("COMMIT")
        except Stale as stale:
            index.conn.close()
            dirty.append(stale.folder)
        except sqlite3.DatabaseError as exc:
            index.conn.close()
            if rebuilt:
                raise
            warn(f"the index cache was damaged ({exc}); rebuilding it")
            rebuild = rebuilt = True


def words_like(conn: sqlite3.Connection, word: str, budget: int) -> Iterable[tuple[str, int]]:
    """Vocabulary words whose length is within budget of word's, with document counts."""
    return conn.execute(
        "SELECT word, df FROM words WHERE length(word) BETWEEN ? AND ?",
        (len(word) - budget, len(word) + budget),
    ).fetchall()


def quick_completions(corpora: list[Corpus], prefix: str) -> list[str]:
    """Completions from the existing index as it is, without a freshness scan."""
    path = index_path(corpora)
    if path.is_file():
        conn = sqlite3.connect(path.as_uri() + "?mode=ro", uri=True)
        _register(conn)
        try:
            if _valid(conn, path):
                return Index(conn, path, corpora, BuildReport()).completions(prefix)
        finally:
            conn.close()
    return open_index(corpora).completions(prefix)
