"""Opening a fresh index: which files changed since it was built, and bringing it up to date.

Within RECHECK_SECONDS of the last full check a command stats only the corpus folders (a
file added, removed, renamed or saved by an editor that replaces it changes its folder)
and the files it shows (Index.verify); otherwise every file's time and size.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from medref.corpus import Assigned, Corpus, FileEntry, Known, entry_kind, file_stamp, folder_stamp
from medref.errors import CacheProblem, EnvironmentProblem, UsageError
from medref.index.queries import BuildReport, Index, Stale, shown_name
from medref.index.scan import ScanState, Warn, corpora_key, corpus_labels, scan
from medref.index.schema import (
    BUSY_TIMEOUT_MS,
    connect,
    create,
    damage_reason,
    index_path,
    index_state,
    is_damage,
    is_valid,
    set_meta,
    writing,
)

if TYPE_CHECKING:
    from medref.index.rows import Progress

# Seconds between full freshness checks (one stat() per file); MEDREF_RECHECK overrides.
# In between, a command stats the corpus folders (a file added, removed, renamed or saved
# by an editor that replaces it changes its folder) and the files it shows.
RECHECK_SECONDS = 30.0


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
            f"MEDREF_RECHECK={shown_name(raw)} is not a number of seconds",
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
    if meta.get("corpora") != corpora_key(corpora):
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


# Files set aside when indexed: unreadable, or not monographs (a README). They claim no id,
# so a change to one (chmod, or an edit that makes a monograph of it) is looked for on
# every command: it leaves their folder's time alone.
_SET_ASIDE = "(listing IS NULL OR skipped IS NOT NULL)"
_UNREADABLE = f"SELECT 1 FROM docs WHERE path=? AND {_SET_ASIDE}"


def _unreadable_changed(conn: sqlite3.Connection) -> list[str]:
    """The folders of files set aside when indexed (unreadable, or not monographs) that
    have changed since."""
    folders = []
    for path, stamp in conn.execute(f"SELECT path, stamp FROM docs WHERE {_SET_ASIDE}"):
        try:
            now = file_stamp(os.stat(path))
        except OSError:
            now = ""
        if now != stamp:
            folders.append(os.path.dirname(path))
    return folders


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
    from medref.index.build import Writer  # only when something changed
    from medref.index.rows import parse_one

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
    unread = [p for p, _s in edits if conn.execute(_UNREADABLE, (p,)).fetchone() is not None]
    if unread:
        return None  # readable now, it may take its id back from another corpus's file
    if pending is not None and edits:
        # The caller looks one monograph up by id and will re-check it: leave the edits
        # (and the folder stamps, so they are found again) to a command that needs them.
        pending.update(path for path, _stamp in edits)
        return report
    recorded = {path: stamp for path, _parent, stamp in folders}
    restamp = [(new, f) for f, new in changed if new != recorded.get(f)]
    if not edits and not restamp:
        return report  # a folder still too new to trust: nothing to record yet
    if not edits:
        # Only folder times to record: worth doing, never worth waiting for another writer
        # (a later command records them).
        conn.execute("PRAGMA busy_timeout = 0")
        try:
            with contextlib.suppress(sqlite3.OperationalError), writing(conn):
                conn.executemany("UPDATE folders SET stamp=? WHERE path=?", restamp)
        finally:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        return report
    try:
        with writing(conn):
            writer = Writer(conn)
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
                record = parse_one(Assigned(entry, mono_id, True), labels[corpus])
                if record.error or record.skipped:  # it may give its id to another file
                    raise _NotJustEdits
                if record.warning:
                    warn(f"{path}: {record.warning}; read as well as possible")
                writer.remove(doc)
                writer.put(record, doc)
                report.parsed += 1
            writer.flush_words()
            conn.executemany("UPDATE folders SET stamp=? WHERE path=?", restamp)
            if report.parsed:  # the scan digest no longer describes the files
                set_meta(conn, {"digest": "", "updated": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
    except _NotJustEdits:
        return None
    return report


class _NotJustEdits(Exception):
    """A file's edit changes more than its own rows: undo, and let a scan decide."""


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


def open_index(
    corpora: list[Corpus],
    *,
    rebuild: bool = False,
    full_check: bool = False,
    dirty: Iterable[str] = (),
    defer: bool = False,
    progress: Progress | None = None,
    warn: Warn = lambda _m: None,
    notice: Warn = lambda _m: None,
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
            conn = connect(path)
            problem = index_state(conn, path)
            if problem is None:
                folders, duplicates = ([], True) if full_check else _quick_check(conn, corpora)
                if folders:
                    dirty = {*dirty, *_unreadable_changed(conn)}
                    changed = _changed_folders(folders, dirty)
                    if changed == []:
                        return Index(conn, path, corpora, BuildReport(), trusting=True)
                    # With a folder or file reachable by two paths, which path wins depends
                    # on the whole walk: only a full scan decides it the same way each time.
                    if not duplicates:
                        pending: set[str] | None = set() if defer else None
                        labels = corpus_labels(corpora)
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
                if problem != "outdated":  # an upgrade rebuilds without a word; damage not
                    warn(damaged_message(problem))
        # Building code is loaded only when the index needs more than a lookup.
        from medref.index.build import build_file, build_lock, sync

        state = scan(corpora, known, warn)
        if conn is not None:
            try:
                report = sync(conn, corpora, state, progress, warn, full=False)
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
        with build_lock(path, notice) as waited:
            # Another process may have built it since this one looked (while this one waited
            # for the lock, or just before it took it): then use that build.
            if not rebuild and (waited or _valid_now(path)):
                return open_index(
                    corpora, dirty=dirty, defer=defer, progress=progress, warn=warn, notice=notice
                )
            report = build_file(path, corpora, state, progress, warn)
        return Index(connect(path), path, corpora, report)
    except (EnvironmentProblem, UsageError):
        raise
    except Exception as exc:
        if conn is not None:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
        if is_damage(exc) and not rebuild:
            # Met while checking or updating the index, before any output: rebuild it once.
            warn(damaged_message(damage_reason(exc)))
            return open_index(
                corpora, rebuild=True, dirty=dirty, progress=progress, warn=warn, notice=notice
            )
        if not isinstance(exc, sqlite3.Error | OSError):
            raise
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        warn(f"cannot use the index cache at {path} ({reason}); using a temporary in-memory index")
        return build_in_memory(corpora, scan(corpora, None, lambda _m: None), progress, warn)


def damaged_message(reason: str) -> str:
    return f"the index cache was damaged ({reason}); rebuilding it"


def _valid_now(path: Path) -> bool:
    """Is there a whole index of this version at path now?"""
    if not path.is_file():
        return False
    conn = connect(path)
    try:
        return is_valid(conn, path)
    finally:
        conn.close()


def with_index(
    corpora: list[Corpus],
    action: Callable[[Index], Any],
    *,
    rebuild: bool = False,
    full_check: bool = False,
    progress: Progress | None = None,
    warn: Warn = lambda _m: None,
    notice: Warn = lambda _m: None,
    lookup: bool = False,
) -> Any:
    """Run action on a fresh index.

    `lookup`: the action only shows monographs it resolves by name, so edits to other
    files may wait (see open_index's `defer`).

    If a file it shows changed in place since it was indexed, its folder is read again and
    the action runs again. If the action meets damage in the cache (is_damage), the cache is
    rebuilt once and the action runs again, with one warning; the action writes no output,
    so nothing is shown twice. Other errors of the cache (locked for the whole busy timeout,
    an I/O error) are a CacheProblem, never taken for damage.
    """
    dirty: list[str] = []
    rebuilt = False
    while True:
        index = open_index(
            corpora,
            rebuild=rebuild,
            full_check=full_check or len(dirty) >= 3,
            dirty=dirty,
            defer=lookup and not dirty,
            progress=progress,
            warn=warn,
            notice=notice,
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
        except Exception as exc:
            index.conn.close()
            if not is_damage(exc):
                if isinstance(exc, sqlite3.Error):
                    busy = "locked" in str(exc) or "busy" in str(exc)
                    raise CacheProblem(
                        f"cannot read the index cache at {index.path} ({exc})",
                        hint="another medref process holds it; try again"
                        if busy
                        else "check the disk and the cache folder, or run 'medref index --rebuild'",
                    ) from None
                raise
            if rebuilt or index.path is None:
                reason = damage_reason(exc)
                raise CacheProblem(
                    f"the index cache at {index.path} is still damaged after a rebuild ({reason})",
                    hint="check the disk it is on",
                ) from None
            warn(damaged_message(damage_reason(exc)))
            rebuild = rebuilt = True


def build_in_memory(
    corpora: list[Corpus], state: ScanState, progress: Progress | None, warn: Warn
) -> Index:
    from medref.index.build import sync

    conn = connect(":memory:")
    create(conn)
    report = sync(conn, corpora, state, progress, warn, full=True)
    return Index(conn, None, corpora, report)


def quick_completions(corpora: list[Corpus], prefix: str) -> list[str]:
    """Completions from the existing index as it is, without a freshness scan."""
    path = index_path(corpora)
    if path.is_file():
        conn = sqlite3.connect(path.as_uri() + "?mode=ro", uri=True)
        try:
            if is_valid(conn, path):
                return Index(conn, path, corpora, BuildReport()).completions(prefix)
        finally:
            conn.close()
    return open_index(corpora).completions(prefix)
