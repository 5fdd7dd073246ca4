"""The index's schema and connections: the one owner of every table.

The index is a cache, never a source of truth. Its schema version lives in
`PRAGMA user_version` and the medref version in `meta`; when either differs the index is
rebuilt from scratch (build.py), never migrated.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from medref import __version__
from medref.corpus import Corpus, FileEntry, cache_dir
from medref.errors import EnvironmentProblem
from medref.index.kinds import TIERS, tier
from medref.models import Monograph

# Bumped when the tables or what the parser stores change (13: front matter read as text;
# 14: long sections as passages; 15: no problems column; 16: imported monographs;
# 17: unreadable files indexed apart, checked on every command; table rows, link addresses
# and HTML list items in blocks; 18: skipped project files; 19: more heading shapes read as
# sections, brand names from Alternate Names as aliases; 20: rendered pages kept; 21: the
# ranking table, one row per monograph, its sections grouped by the tier of their kind;
# 22: section text stored as text, not compressed: a build no longer compresses every
# section, nor a snippet decompresses it; 23-24: the sections' full-text table keeps words
# as written and no positions, and is the vocabulary).
SCHEMA_VERSION = 24
# A section's rowid is (doc << SECTION_BITS) + its position, so search can rank monographs
# from the FTS table alone, without a join. Sections past the last number are merged.
SECTION_BITS = 16
MAX_SECTIONS = 1 << SECTION_BITS


# zlib level for stored monographs and pages: the fastest, as what is stored is read back
# often and written once, and barely larger than at the default level.
ZLIB_LEVEL = 1
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
    imported INTEGER NOT NULL DEFAULT 0,  -- 1: made by `medref import`, not hand-written
    skipped TEXT,          -- why a readable file is not a monograph (corpus.PROJECT_FILES)
    data BLOB              -- zlib-compressed JSON of the parsed monograph; NULL if unreadable
);
CREATE INDEX docs_id ON docs(id, active);
CREATE INDEX docs_set_aside ON docs(path, stamp)
    WHERE (listing IS NULL OR skipped IS NOT NULL);  -- usually empty (freshness._SET_ASIDE)
CREATE TABLE names (norm TEXT NOT NULL, doc INTEGER NOT NULL, rank INTEGER NOT NULL);
CREATE INDEX names_norm ON names(norm);
-- One row per section; its rowid is (doc << SECTION_BITS) + its position in the monograph.
-- The text is stored as it is indexed: FTS5 reads it to make snippets, and a 'delete' reads it
-- back (compressing it cost the build more than any other step of writing a section).
CREATE TABLE sectext (rowid INTEGER PRIMARY KEY, heading TEXT NOT NULL, body TEXT NOT NULL);
-- Each section's identity, narrow, so ranking and filtering never read the text rows.
-- `part`: a long section is indexed as passages of at most PASSAGE_CHARS (0 is the first), so
-- no one FTS5 row is huge (snippet() slows down with the square of a row's matches).
CREATE TABLE secmeta (
    rowid INTEGER PRIMARY KEY, key TEXT NOT NULL, label TEXT NOT NULL, part INTEGER NOT NULL
);
CREATE INDEX secmeta_parts ON secmeta(part) WHERE part > 0;  -- usually empty
-- What FTS5 indexes, one row per section: the monograph's names and tags (stored once, in
-- docs) beside the section's own heading and text.
CREATE VIEW sections(rowid, title, aliases, meta, heading, body) AS
    SELECT t.rowid, d.title, d.aliases, d.meta, t.heading, t.body
    FROM sectext t JOIN docs d ON d.doc = t.rowid >> {bits};
-- External-content FTS5 table over that view (https://sqlite.org/fts5.html#external_content_tables):
-- the text is stored once, and rows are removed with the special 'delete' command.
-- Search ranks from the ranking table, which stems words and keeps their positions; this
-- one finds sections and marks snippets, so it can be cheaper to build:
-- - words as written, not stemmed (WORDS_TOKENIZE): it doubles as the vocabulary (below),
--   and search matches a word there as the words of its stem (search._section_terms);
-- - which columns hold a word, not where (detail=column), and no column sizes: a phrase is
--   matched in a copy of the sections it may match that keeps positions (search._Query);
CREATE VIRTUAL TABLE fts USING fts5(
    title, aliases, meta, heading, body,
    content='sections', content_rowid='rowid', detail=column, columnsize=0,
    tokenize='{words_tokenize}'
);
-- What search ranks by, one row per active monograph (rowid = doc): its names and its
-- sections' headings and text, grouped by the tier of their kind (kinds.TIERS; the values
-- are ranking_values()). Contentless: nothing reads its text back, and a row is removed with
-- the 'delete' command and the values it was inserted with
-- (https://sqlite.org/fts5.html#contentless_tables).
CREATE VIRTUAL TABLE ranking USING fts5(
    {ranking_columns},
    content='', tokenize='{tokenize}'
);
-- The vocabulary, for typo correction and for a word's forms in a query: every word of the
-- sections table, with the number of sections that hold it
-- (https://sqlite.org/fts5.html#the_fts5vocab_virtual_table_module).
CREATE VIRTUAL TABLE vocabulary USING fts5vocab(fts, 'row');
-- Its words but numbers, each with the stem the ranking table's tokenizer gives it, to look
-- up, scan by length and find by stem (`vocabulary` reads the full-text index for every
-- word it lists; update_words). Search matches a word in the sections table as the words
-- of its stem, as the ranking table matches it.
CREATE TABLE words (word TEXT PRIMARY KEY, stem TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX words_stem ON words(stem);
-- Pages `medref show` rendered, kept for the next show of the same page (pages.py); key:
-- layout and sections; code: the files of the code that rendered it, with their stamps
-- (JSON); text: zlib-compressed. Emptied by every change to the index (build.Writer).
CREATE TABLE pages (
    doc INTEGER NOT NULL, key TEXT NOT NULL, code TEXT NOT NULL, text BLOB NOT NULL,
    PRIMARY KEY (doc, key)
);
-- Every folder of the last scan and its stamp ('' = changed too recently to trust).
CREATE TABLE folders (
    corpus INTEGER NOT NULL, path TEXT NOT NULL, parent TEXT NOT NULL, stamp TEXT NOT NULL,
    PRIMARY KEY (corpus, path)
) WITHOUT ROWID;
"""


# How the ranking table splits text into words: "allergies" and "Allergy" are one word.
TOKENIZE = "porter unicode61 remove_diacritics 2"
# The same without stemming, for the sections table: words as they are written.
WORDS_TOKENIZE = TOKENIZE.removeprefix("porter ")
# The vocabulary's words that typo correction offers and a root stands for: three or more
# characters, no digits (a condition on words.word).
SPELT_WORDS = "length(word) >= 3 AND word NOT GLOB '*[0-9]*'"


def _stemmer(conn: sqlite3.Connection) -> None:
    """The temporary table `stemmer` (rowid, word), stemming as the ranking table does, and
    `stemmed`, its words' stems (term) by rowid (doc)."""
    conn.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.stemmer USING fts5("
        f"word, content='', tokenize='{TOKENIZE}')"
    )
    conn.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.stemmed USING fts5vocab(temp, stemmer, instance)"
    )


def stem(conn: sqlite3.Connection, word: str) -> str | None:
    """The ranking table's stem of a word ("allergies": allergi), or None if it is not a
    single word to its tokenizer. A temporary table stems it."""
    _stemmer(conn)
    try:
        conn.execute("INSERT INTO temp.stemmer(rowid, word) VALUES (1, ?)", (word,))
        found = [term for (term,) in conn.execute("SELECT term FROM temp.stemmed")]
    finally:
        conn.execute("INSERT INTO temp.stemmer(stemmer) VALUES('delete-all')")
    return found[0] if len(found) == 1 else None


# Numbers are not in the words table: a stem does not change them, so search matches them
# as written (search._section_terms), and a long list of numbered items would fill it.
_NOT_A_NUMBER = "term GLOB '*[^0-9]*'"


def update_words(conn: sqlite3.Connection, texts: list[str] | None) -> None:
    """Bring the words table up to date with the vocabulary: all of it (None), or the words
    of these texts (sections put or removed), which a temporary table splits as the
    sections table does."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS added (n INTEGER PRIMARY KEY, word TEXT)")
    if texts is None:
        conn.execute("DELETE FROM words")
        conn.execute(
            f"INSERT INTO temp.added(word) SELECT term FROM vocabulary WHERE {_NOT_A_NUMBER}"
        )
    else:
        if not texts:
            return
        conn.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.splitter USING fts5("
            f"text, content='', detail=none, columnsize=0, tokenize='{WORDS_TOKENIZE}')"
        )
        conn.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.split USING fts5vocab(temp, splitter, row)"
        )
        conn.executemany("INSERT INTO temp.splitter(rowid, text) VALUES (?, ?)", enumerate(texts))
        terms = [t for (t,) in conn.execute(f"SELECT term FROM temp.split WHERE {_NOT_A_NUMBER}")]
        conn.execute("INSERT INTO temp.splitter(splitter) VALUES('delete-all')")
        for term in terms:
            if conn.execute("SELECT 1 FROM vocabulary WHERE term = ?", (term,)).fetchone():
                conn.execute("INSERT INTO temp.added(word) VALUES (?)", (term,))
            else:
                conn.execute("DELETE FROM words WHERE word = ?", (term,))
    # Each word stemmed by a temporary table, all in SQL (a full build adds tens of thousands).
    _stemmer(conn)
    try:
        conn.execute("INSERT INTO temp.stemmer(rowid, word) SELECT n, word FROM temp.added")
        conn.execute(
            "INSERT OR IGNORE INTO words(word, stem)"
            " SELECT a.word, s.term FROM temp.stemmed s JOIN temp.added a ON a.n = s.doc"
        )
    finally:
        conn.execute("INSERT INTO temp.stemmer(stemmer) VALUES('delete-all')")
        conn.execute("DELETE FROM temp.added")


def positioned_sections(conn: sqlite3.Connection, rowids: list[int]) -> str:
    """A temporary full-text table (its name is returned) of these sections that keeps word
    positions and stems them, as the ranking table does, unlike the sections table: for
    matching a phrase section by section (search._Query.position)."""
    conn.execute("DROP TABLE IF EXISTS temp.positioned")  # quicker than deleting its rows
    conn.execute(
        "CREATE VIRTUAL TABLE temp.positioned USING fts5("
        f"title, aliases, meta, heading, body, tokenize='{TOKENIZE}')"
    )
    conn.execute(
        "INSERT INTO temp.positioned(rowid, title, aliases, meta, heading, body)"
        " SELECT rowid, title, aliases, meta, heading, body FROM main.sections"
        f" WHERE rowid IN ({','.join('?' * len(rowids))})",
        rowids,
    )
    return "positioned"


# The ranking table's columns: the names, then a heading and a text column per tier.
RANKING_COLUMNS = (
    "title",
    "aliases",
    "meta",
    *(f"{t}_{part}" for t in TIERS for part in ("heading", "text")),
)


def ranking_values(
    title: str | None, aliases: str, meta: str, sections: Iterable[tuple[str, str, str]]
) -> tuple[str | None, ...]:
    """A monograph's row in the ranking table, from its sections' (key, heading, text) in
    document order: each tier's headings and texts joined with newlines."""
    headings: list[list[str]] = [[] for _ in TIERS]
    texts: list[list[str]] = [[] for _ in TIERS]
    for key, heading, text in sections:
        t = tier(key)
        headings[t].append(heading)
        texts[t].append(text)
    grouped = [("\n".join(h), "\n".join(x)) for h, x in zip(headings, texts, strict=True)]
    return (title, aliases, meta, *(value for pair in grouped for value in pair))


def section_rowid(doc: int, position: int) -> int:
    """The rowid of a monograph's section: its doc number and position, packed."""
    return (doc << SECTION_BITS) + position


def doc_of(rowid: int) -> int:
    """The doc number a section rowid belongs to."""
    return rowid >> SECTION_BITS


def doc_rowids(doc: int) -> tuple[int, int]:
    """The first and last rowid a monograph's sections can have."""
    return section_rowid(doc, 0), section_rowid(doc + 1, 0) - 1


def index_path(corpora: list[Corpus]) -> Path:
    """The index file of a set of corpora: named by a checksum of their paths.

    Two CRC-32s (of the text and of it reversed) name it; this runs on every command, and
    zlib is loaded already where hashlib would load OpenSSL.
    """
    data = "\n".join(str(c.path) for c in corpora).encode(errors="surrogateescape")
    return cache_dir() / f"index-{zlib.crc32(data):08x}{zlib.crc32(data[::-1]):08x}.sqlite"


def corpus_digest(corpora: list[Corpus], entries: list[FileEntry]) -> str:
    from hashlib import blake2b

    h = blake2b(digest_size=16)
    h.update(repr([(c.path, c.origin) for c in corpora]).encode(errors="surrogateescape"))
    h.update("\n".join([e.path + "\0" + e.stamp for e in entries]).encode(errors="surrogateescape"))
    return h.hexdigest()


# How long a command waits for another process's write to the index.
BUSY_TIMEOUT_MS = 30_000


def connect(path: Path | str) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    # Search's temporary tables (stem(), positioned_sections()) are small and short-lived:
    # in memory, no temporary file can fail on a full disk or a file size limit.
    conn.execute("PRAGMA temp_store = MEMORY")
    return conn


# names.rank: 0 id, 1 title, 2 alias, 3 one ingredient of a combination product.
INGREDIENT_RANK = 3


def pack(mono: Monograph) -> bytes:
    """A parsed monograph as stored in docs.data."""
    return zlib.compress(json.dumps(mono.to_cache(), ensure_ascii=False).encode(), ZLIB_LEVEL)


def unpack(data: bytes) -> Monograph:
    return Monograph.from_cache(json.loads(zlib.decompress(data)))


def is_damage(exc: BaseException) -> bool:
    """Is this error a sign that the index file is damaged, so that a rebuild mends it?

    SQLite's "malformed", "not a database" and "vtable constructor failed" errors, a stored
    monograph that does not decompress or decode, and stored text that is not UTF-8 (which
    medref never writes). A locked or busy database, a full disk, an I/O or permission error
    is never damage: rebuilding would not help, and could replace an index another process
    is writing.
    """
    if isinstance(exc, zlib.error | UnicodeDecodeError | json.JSONDecodeError):
        return True
    if isinstance(exc, sqlite3.DatabaseError):
        text = str(exc).lower()
        # "vtable constructor failed": the full-text table's own settings could not be read
        # (a damaged fts_config page); nothing but damage makes a table we created fail so.
        # Text that is not UTF-8 (a snippet of a damaged section row, say) is not what
        # medref wrote.
        return (
            "malformed" in text
            or "not a database" in text
            or "vtable constructor" in text
            or _NOT_UTF8 in text
        )
    return False


_NOT_UTF8 = "could not decode to utf-8"  # Python's sqlite3, reading text that is not UTF-8


def damage_reason(exc: BaseException) -> str:
    """What is damaged, for the one warning line: the error's own words, except where they
    quote the garbled text."""
    return "stored text is not UTF-8" if _NOT_UTF8 in str(exc).lower() else str(exc)


def is_valid(conn: sqlite3.Connection, path: Path) -> bool:
    """Is this an index of our schema and version, whole (not truncated)?"""
    return index_state(conn, path) is None


def index_state(conn: sqlite3.Connection, path: Path) -> str | None:
    """None for a whole index of our schema and version; else why it must be rebuilt:
    "outdated" (another schema or medref version: rebuilt without a word), or what is
    wrong with a damaged or truncated file. Raises the errors that are not damage."""
    try:
        if conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
            return "outdated"
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        if path.stat().st_size < page_size * pages:
            return "the file is cut short"
        row = conn.execute("SELECT value FROM meta WHERE key='version'").fetchone()
        return None if row and row[0] == __version__ else "outdated"
    except sqlite3.DatabaseError as exc:
        if is_damage(exc):
            return str(exc)
        raise  # locked, or unreadable: not a reason to replace the file
    except OSError:
        return "outdated"  # gone meanwhile: build it


def create(conn: sqlite3.Connection) -> None:
    try:
        conn.executescript(
            SCHEMA.replace("{bits}", str(SECTION_BITS))
            .replace("{ranking_columns}", ", ".join(RANKING_COLUMNS))
            .replace("{tokenize}", TOKENIZE)
            .replace("{words_tokenize}", WORDS_TOKENIZE)
        )
    except sqlite3.OperationalError as exc:
        if "fts5" in str(exc).lower():
            raise EnvironmentProblem(
                "this Python's SQLite has no FTS5 full-text search",
                hint="install a Python built with SQLite 3.9 or newer with FTS5 enabled",
            ) from exc
        raise
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


# FTS5's defaults (https://sqlite.org/fts5.html): segments are merged as they are written
# once 4 share a level ('automerge'), and at once when 16 do ('crisismerge').
FTS_SETTINGS = {"automerge": 4, "crisismerge": 16}
# A full build merges the segments it writes once, by 'optimize', and not on the way unless
# 64 pile up on one level.
FTS_BUILD_SETTINGS = {"automerge": 0, "crisismerge": 64}


def configure_fts(conn: sqlite3.Connection, settings: dict[str, int]) -> None:
    """Set how FTS5 writes and merges the full-text tables' segments."""
    tables = ("fts", "ranking")
    for table, (option, value) in itertools.product(tables, settings.items()):
        conn.execute(f"INSERT INTO {table}({table}, rank) VALUES(?, ?)", (option, value))


def set_meta(conn: sqlite3.Connection, meta: dict[str, str]) -> None:
    conn.executemany(
        "INSERT INTO meta(key, value) VALUES (?, ?)"
        " ON CONFLICT(key) DO UPDATE SET value=excluded.value",
        list(meta.items()),
    )


@contextlib.contextmanager
def writing(conn: sqlite3.Connection) -> Iterator[None]:
    """One write transaction: committed when the block ends, rolled back if it raises."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")  # may fail too (busy readers): then nothing is left open
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise
