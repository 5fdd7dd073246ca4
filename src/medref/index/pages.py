"""Rendered pages of `medref show`, kept by the first show of a page for the next ones.

A page is the text `show` printed for one monograph, in one layout (colour, width, the
characters stdout takes) and selection of sections. Showing it again needs no Markdown or
Rich at all. A kept page is reused only while nothing it was made from has changed: the
index (every change to it drops all pages: build.Writer) and the code that rendered it
(the files of the modules that were loaded, compared by their stamps).
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import zlib
from pathlib import Path
from typing import NamedTuple

from medref.index.schema import SCHEMA_VERSION, ZLIB_LEVEL

# The most recent pages kept; older ones make room.
PAGES_KEPT = 200
# The packages whose code decides what a page looks like.
RENDERING_PACKAGES = frozenset({"medref", "rich", "markdown_it", "mdurl", "pygments"})


class Slot(NamedTuple):
    """Where a page of a monograph, read from the index as it was, may be kept."""

    path: Path  # the index file
    doc: int
    generation: str  # the index's state when the monograph was read (see drop_all)


def drop_all(conn: sqlite3.Connection) -> None:
    """Forget every page, and mark the index as changed, inside the caller's transaction.

    The mark is random, not a count: a rebuilt index is a new file at the same path, and a
    page read from the old file must not pass for one of the new (its doc numbers differ).
    """
    conn.execute("DELETE FROM pages")
    conn.execute(
        "INSERT INTO meta(key, value) VALUES ('generation', ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (os.urandom(8).hex(),),
    )


def _generation(conn: sqlite3.Connection) -> str:
    row = conn.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
    return str(row[0]) if row else "0"


def slot(conn: sqlite3.Connection, path: Path, doc: int) -> Slot:
    return Slot(path, doc, _generation(conn))


def read(conn: sqlite3.Connection, doc: int, key: str) -> str | None:
    """The page of a doc kept under key, if the code that rendered it is unchanged."""
    row = conn.execute("SELECT code, text FROM pages WHERE doc=? AND key=?", (doc, key)).fetchone()
    if row is None or not _unchanged(row[0]):
        return None
    return zlib.decompress(row[1]).decode()


def keep(where: Slot, key: str, text: str) -> None:
    """Keep a page, if the index is still as it was read and can be written right now.

    Best effort: a busy, read-only, full or replaced index keeps nothing, silently (the
    page was printed already; the next show renders it again).
    """
    try:
        conn = sqlite3.connect(
            where.path.as_uri() + "?mode=rw", uri=True, timeout=0, isolation_level=None
        )
    except sqlite3.Error:
        return
    try:
        conn.execute("BEGIN IMMEDIATE")
        current = conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        if current and _generation(conn) == where.generation:
            conn.execute(
                "INSERT OR REPLACE INTO pages(doc, key, code, text) VALUES (?, ?, ?, ?)",
                (where.doc, key, _code(), zlib.compress(text.encode(), ZLIB_LEVEL)),
            )
            # A replaced row gets the next rowid, so rowids order pages by when kept.
            conn.execute(
                "DELETE FROM pages WHERE rowid NOT IN"
                " (SELECT rowid FROM pages ORDER BY rowid DESC LIMIT ?)",
                (PAGES_KEPT,),
            )
        conn.execute("COMMIT")
    except sqlite3.Error:
        pass  # an open transaction is rolled back when the connection closes
    finally:
        conn.close()


def _stamp(path: str) -> str | None:
    try:
        s = os.stat(path)
    except OSError:
        return None
    return f"{s.st_mtime_ns}:{s.st_size}"


def _code() -> str:
    """The files of the loaded modules that render pages, with their stamps, as JSON."""
    paths = {
        path
        for name, module in list(sys.modules.items())
        if name.partition(".")[0] in RENDERING_PACKAGES
        and (path := getattr(module, "__file__", None))
    }
    return json.dumps(sorted([path, stamp] for path in paths if (stamp := _stamp(path))))


def _unchanged(code: str) -> bool:
    return all(_stamp(path) == stamp for path, stamp in json.loads(code))
