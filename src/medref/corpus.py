"""Where monograph files come from, in what precedence, and which id each one gets."""

from __future__ import annotations

import os
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


def scan(corpora: list[Corpus]) -> tuple[list[FileEntry], list[str]]:
    """Every `*.md` file under the corpora, sorted; follows links but never loops.

    This runs before every command (it is the freshness check), so the loop is kept lean:
    one stat() per file and nothing else per file that can be avoided.
    """
    entries: list[FileEntry] = []
    warnings: list[str] = []
    seen: set[tuple[int, int]] = set()  # a file reached through two corpora counts once
    for idx, corpus in enumerate(corpora):
        root = str(corpus.path)
        cut = len(root.rstrip(os.sep)) + 1
        visited: set[tuple[int, int]] = set()
        stack = [root]
        found: list[FileEntry] = []
        add = found.append
        while stack:
            folder = stack.pop()
            try:
                st = os.stat(folder)
                if (st.st_dev, st.st_ino) in visited:
                    continue  # a link loop, or a second link to a folder already read
                visited.add((st.st_dev, st.st_ino))
                with os.scandir(folder) as it:
                    items = list(it)
            except OSError as exc:
                warnings.append(f"{folder}: cannot read folder ({exc.strerror or exc}); skipped")
                continue
            for item in items:
                name = item.name
                if name[0] == ".":
                    continue
                try:
                    if item.is_dir():
                        stack.append(item.path)
                    elif name[-3:].lower() == ".md" and item.is_file():
                        s = item.stat()
                        if (s.st_dev, s.st_ino) in seen:
                            continue
                        seen.add((s.st_dev, s.st_ino))
                        path = item.path
                        if _undecodable(path):
                            warnings.append(f"{path!r}: the file name is not valid text; skipped")
                            continue
                        add(
                            FileEntry(
                                path,
                                idx,
                                path[cut:].replace(os.sep, "/"),
                                f"{s.st_mtime_ns}:{s.st_ctime_ns}:{s.st_size}:{s.st_ino}",
                            )
                        )
                except OSError as exc:
                    warnings.append(f"{item.path}: cannot read ({exc.strerror or exc}); skipped")
        found.sort(key=_rel)
        entries.extend(found)
    return entries, warnings


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


def assign_ids(entries: list[FileEntry]) -> list[Assigned]:
    """Give every file an id. Same stems in one corpus get -2, -3...; earlier corpora win."""
    out: list[Assigned] = []
    taken: set[str] = set()  # ids claimed by higher-precedence corpora
    corpus = -1
    mine: set[str] = set()
    for e in entries:  # sorted by corpus, then by relative path
        if e.corpus != corpus:
            taken |= mine
            mine = set()
            corpus = e.corpus
        base = stem_id(e.rel)
        mono_id = base
        n = 2
        while mono_id in mine:
            mono_id = f"{base}-{n}"
            n += 1
        mine.add(mono_id)
        out.append(Assigned(e, mono_id, mono_id not in taken))
    return out
