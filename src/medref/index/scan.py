"""What a walk of the corpora saw, recorded for the quick freshness checks that follow."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from typing import NamedTuple

from medref.corpus import Corpus, FileEntry, Folder, Known, walk
from medref.index.schema import corpus_digest, set_meta

Warn = Callable[[str], None]


def corpus_labels(corpora: list[Corpus]) -> list[str]:
    return [c.origin for c in corpora]


class ScanState(NamedTuple):
    entries: list[FileEntry]
    digest: str
    folders: list[Folder]
    checked: float | None  # when every file was last stat()ed; None: not by this scan
    trusted: bool  # False when the scan warned: check everything again next time
    duplicates: bool  # some folder or file was reached twice: changes need a full scan
    ignored: list[str] | None  # folders never read (corpus.IGNORED_FOLDERS); None: not known


def scan(corpora: list[Corpus], known: Known | None, warn: Warn) -> ScanState:
    started = time.time()  # a change made during the walk may have been missed
    result = walk(corpora, known)
    for w in result.warnings:
        warn(w)
    return ScanState(
        result.entries,
        corpus_digest(corpora, result.entries),
        result.folders,
        started if known is None else None,
        not result.warnings,
        result.duplicates,
        result.ignored if known is None else None,  # a partial walk sees only some
    )


def save_scan(conn: sqlite3.Connection, corpora: list[Corpus], state: ScanState) -> None:
    """Record what the scan saw, for the quick checks of the commands that follow."""
    conn.execute("DELETE FROM folders")
    conn.executemany(
        "INSERT OR REPLACE INTO folders(corpus, path, parent, stamp) VALUES (?,?,?,?)",
        [(f.corpus, f.path, f.parent, f.stamp) for f in state.folders],
    )
    meta = {"corpora": corpora_key(corpora), "duplicates": "1" if state.duplicates else "0"}
    if state.ignored is not None:
        meta["ignored"] = json.dumps(state.ignored, ensure_ascii=False)
    if not state.trusted:
        meta["checked"] = "0"  # scan again in full next time, repeating its warnings
    elif state.checked is not None:
        meta["checked"] = repr(state.checked)
    set_meta(conn, meta)


def corpora_key(corpora: list[Corpus]) -> str:
    return json.dumps([[str(c.path), c.origin] for c in corpora])  # ASCII: \udcxx escaped
