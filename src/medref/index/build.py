"""Writing the index: rows in and out of one transaction, and whole builds swapped in atomically.

Small changes (a file added, edited or removed) are applied in one transaction, which
SQLite makes atomic for every reader. A full build is written to a temporary file beside
the index and moved over it with `os.replace`, so no process opens a half-built index.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from medref import __version__
from medref.corpus import Assigned, Corpus, assign_ids
from medref.index import pages
from medref.index.queries import BuildReport
from medref.index.rows import Progress, Record, parse_all
from medref.index.scan import ScanState, Warn, corpus_labels, save_scan
from medref.index.schema import (
    FTS_BUILD_SETTINGS,
    FTS_SETTINGS,
    RANKING_COLUMNS,
    configure_fts,
    connect,
    create,
    doc_rowids,
    ranking_values,
    section_rowid,
    set_meta,
    update_words,
    writing,
)
from medref.signals import cleanup_on_termination, uninterrupted

# Index files of other corpus sets unused for this long are deleted when one is built.
UNUSED_DAYS = 30


_RANKING_INSERT = (
    f"INSERT INTO ranking(rowid, {', '.join(RANKING_COLUMNS)})"
    f" VALUES (?{', ?' * len(RANKING_COLUMNS)})"
)
_RANKING_DELETE = (
    f"INSERT INTO ranking(ranking, rowid, {', '.join(RANKING_COLUMNS)})"
    f" VALUES ('delete', ?{', ?' * len(RANKING_COLUMNS)})"
)


# A refresh looks again at the words of what it changed, up to this much text; past it, it
# makes the words table again from the whole vocabulary, as a full build does.
TOUCHED_CHARS = 8_000_000


class Writer:
    """Applies parsed files to an open connection, inside the caller's transaction.

    full: a whole build, whose words table is made once at the end (flush_words); otherwise
    the words of each monograph put or removed are looked at again.
    """

    def __init__(self, conn: sqlite3.Connection, full: bool = False) -> None:
        self.conn = conn
        self.touched: list[str] | None = None if full else []  # text of sections put or removed
        self.touched_chars = 0
        self.changed = False

    def _changing(self) -> None:
        """Before the first change: a kept page may show any monograph's data (a
        hand-written monograph lists the imported labels of its name), so any change drops
        them all, and a page rendered from the index as it was is not kept afterwards
        (pages.keep). A writer that changes nothing leaves them."""
        if not self.changed:
            self.changed = True
            pages.drop_all(self.conn)

    def remove(self, doc: int) -> None:
        self._changing()
        conn = self.conn
        span = doc_rowids(doc)
        # The values that were indexed, read back via the view (the 'delete' commands of
        # both full-text tables need them), with each section's key.
        indexed = conn.execute(
            "SELECT v.rowid, v.title, v.aliases, v.meta, v.heading, v.body, m.key"
            " FROM sections v JOIN secmeta m ON m.rowid = v.rowid"
            " WHERE v.rowid BETWEEN ? AND ? ORDER BY v.rowid",
            span,
        ).fetchall()
        conn.executemany(
            "INSERT INTO fts(fts, rowid, title, aliases, meta, heading, body)"
            " VALUES('delete', ?, ?, ?, ?, ?, ?)",
            [r[:6] for r in indexed],
        )
        self._touch(r[1:6] for r in indexed)
        if indexed:
            _rowid, title, aliases, meta, *_rest = indexed[0]
            values = ranking_values(title, aliases, meta, [(r[6], r[4], r[5]) for r in indexed])
            conn.execute(_RANKING_DELETE, (doc, *values))
        conn.execute("DELETE FROM sectext WHERE rowid BETWEEN ? AND ?", span)
        conn.execute("DELETE FROM secmeta WHERE rowid BETWEEN ? AND ?", span)
        conn.execute("DELETE FROM names WHERE doc=?", (doc,))

    def put(self, r: Record, doc: int | None = None) -> None:
        """Insert or replace one file's rows."""
        self._changing()
        conn = self.conn
        a = r.assigned
        e = a.entry
        active = r.active
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
            int(r.imported),
            r.data,
            r.skipped,
        )
        if doc is None:
            cur = conn.execute(
                "INSERT INTO docs(path, corpus, rel, stamp, id, active, title, aliases, meta,"
                " listing, imported, data, skipped) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                values,
            )
            doc = int(cur.lastrowid or 0)
        else:
            conn.execute(
                "UPDATE docs SET path=?, corpus=?, rel=?, stamp=?, id=?, active=?, title=?,"
                " aliases=?, meta=?, listing=?, imported=?, data=?, skipped=? WHERE doc=?",
                (*values, doc),
            )
        if not active:
            return
        conn.executemany(
            "INSERT INTO names(norm, doc, rank) VALUES (?,?,?)",
            [(norm, doc, rank) for norm, rank in r.names],
        )
        rowids = [section_rowid(doc, i) for i in range(len(r.rows))]
        conn.executemany(
            "INSERT INTO sectext(rowid, heading, body) VALUES (?,?,?)",
            [(rowid, row.heading, row.text) for rowid, row in zip(rowids, r.rows, strict=True)],
        )
        conn.executemany(
            "INSERT INTO secmeta(rowid, key, label, part) VALUES (?,?,?,?)",
            [
                (rowid, row.key, row.label, row.part)
                for rowid, row in zip(rowids, r.rows, strict=True)
            ],
        )
        indexed = [
            (rowid, r.title, r.aliases, r.meta, row.heading, row.text)
            for rowid, row in zip(rowids, r.rows, strict=True)
        ]
        conn.executemany(
            "INSERT INTO fts(rowid, title, aliases, meta, heading, body) VALUES (?,?,?,?,?,?)",
            indexed,
        )
        self._touch(i[1:] for i in indexed)
        ranked = ranking_values(
            r.title, r.aliases, r.meta, [(row.key, row.heading, row.text) for row in r.rows]
        )
        conn.execute(_RANKING_INSERT, (doc, *ranked))

    def _touch(self, sections: Iterable[tuple[str | None, ...]]) -> None:
        """Keep the text of sections put or removed, whose words flush_words looks at."""
        if self.touched is None:
            return
        texts = ["\n".join(v or "" for v in values) for values in sections]
        self.touched += texts
        self.touched_chars += sum(map(len, texts))
        if self.touched_chars > TOUCHED_CHARS:
            self.touched = None  # all words are looked at

    def flush_words(self) -> None:
        update_words(self.conn, self.touched)
        if self.touched is not None:
            self.touched.clear()
            self.touched_chars = 0


def sync(
    conn: sqlite3.Connection,
    corpora: list[Corpus],
    state: ScanState,
    progress: Progress | None,
    warn: Warn,
    full: bool,
) -> BuildReport:
    """Bring the index in `conn` up to date with a scan, in one transaction."""
    report = BuildReport(full=full)
    entries, digest = state.entries, state.digest
    with writing(conn):
        row = conn.execute("SELECT value FROM meta WHERE key='digest'").fetchone()
        if row and row[0] == digest:  # nothing changed, or another process caught it up
            save_scan(conn, corpora, state)
            return report
        old = _docs(conn)
        stamps = {e.path: e.stamp for e in entries}
        # Files that could not be read last time, or are not monographs, and have not
        # changed since: they claim no id, so that a file they would override is served.
        unchanged = {path for path, stored in old.items() if stored.stamp == stamps.get(path)}
        unreadable = {path for path in unchanged if not old[path].readable}
        skipped = {path for path in unchanged if old[path].skipped}
        assigned = assign_ids(entries, unreadable, skipped)
        labels = corpus_labels(corpora)
        writer = Writer(conn, full)
        current = {a.entry.path for a in assigned}
        for path, stored in old.items():
            if path not in current:
                writer.remove(stored.doc)
                conn.execute("DELETE FROM docs WHERE doc=?", (stored.doc,))
                report.removed += 1
        given = {a.entry.path: a for a in assigned}
        while assigned:
            failed, not_monographs = _apply(writer, old, assigned, labels, progress, warn, report)
            if not failed and not not_monographs:
                break
            # Files found unreadable or skipped now: their ids go to the files they hid.
            unreadable |= failed
            skipped |= not_monographs
            assigned = [
                a
                for a in assign_ids(entries, unreadable, skipped)
                if a != given[a.entry.path] and a.entry.path not in failed | not_monographs
            ]
            given.update((a.entry.path, a) for a in assigned)
            old = _docs(conn)
        writer.flush_words()
        now = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        meta = {"digest": digest, "version": __version__, "updated": now}
        if full:
            meta["built"] = now
        set_meta(conn, meta)
        save_scan(conn, corpora, state)
    return report


class Stored(NamedTuple):
    """What the index holds about one file."""

    doc: int
    stamp: str
    corpus: int
    id: str
    active: bool
    readable: bool  # False: it could not be read when last parsed
    skipped: bool  # readable, but not a monograph (corpus.PROJECT_FILES)


Docs = dict[str, Stored]


def _docs(conn: sqlite3.Connection) -> Docs:
    """path -> what the index holds about it, for every file in the index."""
    return {
        path: Stored(doc, stamp, corpus, mono_id, bool(active), bool(readable), bool(skipped))
        for doc, path, stamp, corpus, mono_id, active, readable, skipped in conn.execute(
            "SELECT doc, path, stamp, corpus, id, active, listing IS NOT NULL,"
            " skipped IS NOT NULL FROM docs"
        )
    }


def _apply(
    writer: Writer,
    old: Docs,
    assigned: list[Assigned],
    labels: list[str],
    progress: Progress | None,
    warn: Warn,
    report: BuildReport,
) -> tuple[set[str], set[str]]:
    """Parse and store the files that are new, changed, or have a new id or precedence;
    return the paths of active files that could not be read, and of those that are not
    monographs."""
    todo: list[tuple[Assigned, str]] = []
    for a in assigned:
        before = old.get(a.entry.path)
        if before is None or before.stamp != a.entry.stamp:
            todo.append((a, labels[a.entry.corpus]))
        elif (before.corpus, before.id, before.active) != (
            a.entry.corpus,
            a.id,
            a.active and before.readable and not before.skipped,
        ):
            todo.append((a, labels[a.entry.corpus]))  # same file, new id or precedence
    failed: set[str] = set()
    skipped: set[str] = set()
    for batch in parse_all(todo, progress):
        for record in batch:
            a = record.assigned
            before = old.get(a.entry.path)
            if before is not None:
                writer.remove(before.doc)
            if record.error:
                warn(f"{a.entry.path}: {record.error}; skipped")
                if a.active:
                    failed.add(a.entry.path)
            elif record.warning:
                warn(f"{a.entry.path}: {record.warning}; read as well as possible")
            if record.skipped and a.active:
                skipped.add(a.entry.path)
            writer.put(record, before.doc if before else None)
            report.parsed += 1
    return failed, skipped


def build_file(
    path: Path,
    corpora: list[Corpus],
    state: ScanState,
    progress: Progress | None,
    warn: Warn,
) -> BuildReport:
    """Build a whole new index beside `path`, then swap it in atomically."""
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_orphans(path)
    _remove_unused(path)
    with contextlib.ExitStack() as stack:
        with uninterrupted():  # SIGTERM or SIGHUP from here on removes the file (signals.py)
            fd, tmp = tempfile.mkstemp(
                prefix=f"{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent
            )
            stack.enter_context(cleanup_on_termination(functools.partial(_unlink, tmp)))
        os.close(fd)
        try:
            conn = connect(tmp)
            try:
                conn.execute("PRAGMA journal_mode = OFF")  # a failed build is thrown away whole
                conn.execute("PRAGMA synchronous = OFF")
                create(conn)
                # The index is written in as few segments as memory allows, merged once by
                # 'optimize' below (see FTS_BUILD_SETTINGS).
                configure_fts(conn, FTS_BUILD_SETTINGS)
                report = sync(conn, corpora, state, progress, warn, full=True)
                # Merge the FTS5 index's segments into one: each search term is then looked
                # up in one b-tree instead of one per segment
                # (https://sqlite.org/fts5.html#the_optimize_command).
                conn.execute("INSERT INTO fts(fts) VALUES('optimize')")
                conn.execute("INSERT INTO ranking(ranking) VALUES('optimize')")
                configure_fts(conn, FTS_SETTINGS)  # later updates write and merge as usual
                conn.execute("PRAGMA journal_mode = DELETE")
            finally:
                conn.close()
            # The file must be on disk before it replaces the old index.
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            _unlink(tmp)
            raise
    return report


# A temporary build of another corpus set is removed only when this old, as well as
# unlocked: a lock on a shared or network cache folder may not be seen from here.
ORPHAN_SECONDS = 3600


def _remove_orphans(path: Path) -> None:
    """Delete temporary builds left by killed processes, whatever their corpus set.

    A build writes its temporary file only while it holds its index's build lock (a record
    lock the kernel drops when the process dies; a pid may be reused). This process holds
    the lock of `path`, so other temporary files of it are leftovers; those of other corpus
    sets go when nobody holds their lock and they are older than ORPHAN_SECONDS.
    """
    cutoff = time.time() - ORPHAN_SECONDS
    for tmp in path.parent.glob("index-*.sqlite.*.tmp"):
        owner = tmp.name.split(".sqlite.", 1)[0] + ".sqlite"
        try:
            if owner != path.name and (
                tmp.stat().st_mtime > cutoff or _build_running(path.parent / owner)
            ):
                continue
            tmp.unlink()
        except OSError:
            continue


def _build_running(index: Path) -> bool:
    """Does a live process hold the build lock of this index (build_lock)?"""
    try:
        import fcntl
    except ImportError:
        return False
    try:
        fd = os.open(f"{index}.lock", os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)  # also releases the lock just taken
    return False


def _unlink(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


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


@contextlib.contextmanager
def build_lock(path: Path, notice: Warn) -> Iterator[bool]:
    """Hold the lock for building the index at path; yield True if another build was waited for.

    Several first runs started at once build one index: the first takes the lock, the others
    wait for it and then open what it built. It is a POSIX record lock (lockf): the kernel
    releases it when its process dies, so a waiting run takes over from a builder that was
    killed, and the build's worker processes do not inherit it.
    """
    try:
        import fcntl
    except ImportError:  # not POSIX: each process builds its own, as before
        yield False
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            waited = False
        except OSError:  # EAGAIN or EACCES: another process holds it
            notice("another medref process is building the index; waiting for it")
            fcntl.lockf(fd, fcntl.LOCK_EX)
            waited = True
        yield waited
    finally:
        os.close(fd)
