"""Where monograph files come from, in what precedence, and which id each one gets."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Set
from pathlib import Path
from typing import NamedTuple

from medref.errors import UsageError
from medref.names import slugify

APP = "medref"


class Corpus(NamedTuple):
    path: Path
    origin: str  # "--corpus", "MEDREF_PATH", "user data dir" or "bundled"


class FileEntry(NamedTuple):
    path: str  # absolute path as scanned
    corpus: int  # index into the corpus list; lower wins
    rel: str  # path relative to its corpus, with forward slashes
    stamp: str  # changes whenever the file's content or permissions may have changed


class Assigned(NamedTuple):
    entry: FileEntry
    id: str
    active: bool  # False when a higher-precedence corpus has the same id


class Folder(NamedTuple):
    path: str  # as walked (through links), like FileEntry.path
    corpus: int
    parent: str  # "" for a corpus root
    stamp: str  # "" when it cannot be trusted yet (changed too recently)


class Known(NamedTuple):
    """What the last scan saw, so that folders which have not changed need no re-reading."""

    folders: dict[str, str]  # folder -> stamp
    children: dict[str, list[str]]  # folder -> its sub-folders
    files: dict[str, list[FileEntry]]  # folder -> its files, in no particular order


class Scan(NamedTuple):
    entries: list[FileEntry]  # sorted by corpus, then relative path
    warnings: list[str]
    folders: list[Folder]
    duplicates: bool  # some folder or file was reached twice (links, nested corpora)
    ignored: list[str]  # folders not read (IGNORED_FOLDERS), among those re-read


# A folder changed this recently may change again within the file system's clock tick
# without its time moving, so its stamp is not trusted until it is older ("racy" stamps).
RACY_NS = 100_000_000
# Times in whole seconds come from a file system that keeps no finer times (FAT: 2 s).
COARSE_RACY_NS = 2_100_000_000


def bundled_dir() -> Path:
    """The monographs shipped with medref: inside the wheel, or the checkout's monographs/."""
    here = Path(__file__).resolve().parent
    packaged = here / "monographs"
    if packaged.is_dir():
        return packaged
    return here.parent.parent / "monographs"


def user_data_dir() -> Path:
    from platformdirs import user_data_dir as _user_data_dir

    return Path(_user_data_dir(APP)) / "monographs"


def import_dir(source: str) -> Path:
    """Where `medref import SOURCE` writes monographs: inside the user data folder's corpus."""
    return user_data_dir() / source


def cache_dir() -> Path:
    override = os.environ.get("MEDREF_CACHE_DIR")
    if override:
        return Path(override)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir(APP))


def discover(cli_dirs: list[Path] | None = None) -> tuple[list[Corpus], list[str]]:
    """Corpora in precedence order, highest first, and warnings about skipped entries."""
    corpora: list[Corpus] = []
    warnings: list[str] = []
    seen: set[Path] = set()

    def add(path: Path, origin: str) -> None:
        resolved = path.expanduser().resolve()
        if resolved not in seen:
            seen.add(resolved)
            corpora.append(Corpus(resolved, origin))

    for d in cli_dirs or []:
        if not d.expanduser().is_dir():
            raise UsageError(f"--corpus {d}: not a directory", hint="pass a folder of .md files")
        add(d, "--corpus")
    for raw in os.environ.get("MEDREF_PATH", "").split(os.pathsep):
        if not raw.strip():
            continue
        p = Path(raw)
        if p.expanduser().is_dir():
            add(p, "MEDREF_PATH")
        else:
            warnings.append(f"MEDREF_PATH entry {raw!r} is not a directory; skipped")
    user = user_data_dir()
    if user.is_dir():
        add(user, "user data dir")
    add(bundled_dir(), "bundled")
    return corpora, warnings


def file_stamp(s: os.stat_result) -> str:
    """Changes whenever a file's content, permissions or identity may have changed."""
    return f"{s.st_mtime_ns}:{s.st_ctime_ns}:{s.st_size}:{s.st_dev}:{s.st_ino}"


def folder_stamp(s: os.stat_result, now_ns: int) -> str:
    """Changes whenever a file or folder is added to, removed from or renamed in a folder."""
    newest = max(s.st_mtime_ns, s.st_ctime_ns)
    if now_ns - newest < (RACY_NS if newest % 1_000_000_000 else COARSE_RACY_NS):
        return ""
    return f"{s.st_mtime_ns}:{s.st_ctime_ns}:{s.st_dev}:{s.st_ino}"


def _identity(stamp: str) -> tuple[int, int]:
    dev, ino = stamp.rsplit(":", 2)[1:]
    return int(dev), int(ino)


def scan(corpora: list[Corpus]) -> tuple[list[FileEntry], list[str]]:
    """Every `*.md` file under the corpora, sorted; follows links but never loops."""
    result = walk(corpora)
    return result.entries, result.warnings


def walk(corpora: list[Corpus], known: Known | None = None) -> Scan:
    """Scan the corpora, re-reading only the folders that changed since `known`.

    Without `known` every folder is read and every file stat()ed: one stat() per file,
    which is the cost to keep down here. With it, a folder whose stamp is unchanged has
    the same entries as before (adding, removing or renaming a file changes the folder's
    time); edits made to a file in place do not show here, which is why callers check the
    files they show, and run a full scan from time to time.
    """
    now = time.time_ns()
    entries: list[FileEntry] = []
    warnings: list[str] = []
    folders: list[Folder] = []
    duplicates = False
    ignored: list[str] = []
    seen: set[tuple[int, int]] = set()  # a file reached through two corpora counts once
    for idx, corpus in enumerate(corpora):
        root = str(corpus.path)
        cut = len(root.rstrip(os.sep)) + 1
        visited: set[tuple[int, int]] = set()
        stack = [(root, "")]
        found: list[FileEntry] = []
        add = found.append
        while stack:
            folder, parent = stack.pop()
            if _undecodable(folder):
                warnings.append(f"{folder!r}: the folder name is not valid text; skipped")
                continue
            try:
                st = os.stat(folder)
            except OSError as exc:
                warnings.append(f"{folder}: cannot read folder ({exc.strerror or exc}); skipped")
                continue
            if (st.st_dev, st.st_ino) in visited:
                duplicates = True
                continue  # a link loop, or a second link to a folder already read
            visited.add((st.st_dev, st.st_ino))
            stamp = folder_stamp(st, now)
            folders.append(Folder(folder, idx, parent, stamp))
            if known is not None and stamp and known.folders.get(folder) == stamp:
                stack.extend((child, folder) for child in sorted(known.children.get(folder, ())))
                for e in known.files.get(folder, ()):
                    ident = _identity(e.stamp)
                    if ident in seen:
                        duplicates = True
                    else:
                        seen.add(ident)
                        add(FileEntry(e.path, idx, e.rel, e.stamp))
                continue
            try:
                with os.scandir(folder) as it:
                    items = sorted(it, key=_name)  # the same order on every file system
            except OSError as exc:
                warnings.append(f"{folder}: cannot read folder ({exc.strerror or exc}); skipped")
                continue
            for item in items:
                try:
                    kind = entry_kind(item)
                    if kind == "dir":
                        stack.append((item.path, folder))
                    elif kind == "ignored":
                        ignored.append(item.path)
                    elif kind == "md":
                        s = item.stat()
                        if (s.st_dev, s.st_ino) in seen:
                            duplicates = True
                            continue
                        seen.add((s.st_dev, s.st_ino))
                        path = item.path
                        if _undecodable(path):
                            warnings.append(f"{path!r}: the file name is not valid text; skipped")
                            continue
                        add(FileEntry(path, idx, path[cut:].replace(os.sep, "/"), file_stamp(s)))
                except OSError as exc:
                    warnings.append(f"{item.path}: cannot read ({exc.strerror or exc}); skipped")
        found.sort(key=_rel)
        entries.extend(found)
    return Scan(entries, warnings, folders, duplicates, ignored)


# Files a project keeps beside its documents. They are monographs only when written as one:
# a `title` in their front matter and at least one recognised section.
PROJECT_FILES = frozenset({"readme", "license", "licence", "changelog", "contributing"})
PROJECT_FILE_REASON = "a README, LICENSE, CHANGELOG or CONTRIBUTING file, not a monograph"


def is_project_file(path: str) -> bool:
    """Is this a README, LICENSE, CHANGELOG or CONTRIBUTING file (any case, any extension)?"""
    return os.path.basename(path).split(".", 1)[0].lower() in PROJECT_FILES


def written_as_monograph(front_matter_keys: Iterable[str], section_keys: Iterable[str]) -> bool:
    """A `title` in the front matter and at least one recognised section."""
    from medref.labels import SECTION_LABELS

    recognised = {*SECTION_LABELS.values(), "boxed-warning"}
    return "title" in front_matter_keys and any(k in recognised for k in section_keys)


# Folders that hold other projects' files (a package's README is no monograph).
IGNORED_FOLDERS = frozenset({"node_modules"})


def entry_kind(item: os.DirEntry[str]) -> str | None:
    """ "dir" for a folder to read, "md" for a monograph file, "ignored" for a folder that
    is never read (IGNORED_FOLDERS), None for anything else skipped."""
    name = item.name
    if name[0] == ".":
        return None
    if item.is_dir():
        return "ignored" if name in IGNORED_FOLDERS else "dir"
    if name[-3:].lower() == ".md" and item.is_file():
        return "md"
    return None


def _name(item: os.DirEntry[str]) -> str:
    return item.name


def _undecodable(path: str) -> bool:
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:  # bytes that are not UTF-8 arrive as lone surrogates
        return True
    return False


def _rel(entry: FileEntry) -> str:
    return entry.rel


def stem_id(rel: str) -> str:
    name = rel.rsplit("/", 1)[-1]
    return slugify(name[:-3]) or "monograph"


def assign_ids(
    entries: list[FileEntry],
    unreadable: Set[str] = frozenset(),
    skipped: Set[str] = frozenset(),
) -> list[Assigned]:
    """Give every file an id. Same stems in one corpus get -2, -3...; earlier corpora win.

    A file in `unreadable` (paths) is never active and hides nothing: the next corpus's
    monograph of its id is served. A file in `skipped` (not a monograph) takes no id at all.
    """
    out: list[Assigned] = []
    taken: set[str] = set()  # ids claimed by higher-precedence corpora
    corpus = -1
    mine: set[str] = set()
    claimed: set[str] = set()  # this corpus's ids of files that can be read
    for e in entries:  # sorted by corpus, then by relative path
        if e.corpus != corpus:
            taken |= claimed
            mine = set()
            claimed = set()
            corpus = e.corpus
        base = stem_id(e.rel)
        if e.path in skipped:
            out.append(Assigned(e, base, False))
            continue
        mono_id = base
        n = 2
        while mono_id in mine:
            mono_id = f"{base}-{n}"
            n += 1
        mine.add(mono_id)
        readable = e.path not in unreadable
        if readable:
            claimed.add(mono_id)
        out.append(Assigned(e, mono_id, readable and mono_id not in taken))
    return out
