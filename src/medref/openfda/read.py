"""Label records streamed from files: `.json`, `.json.zip` or standard input.

Records are read one at a time with ijson, so memory stays bounded whatever the file's
size; a zip member is read as a stream. A file that cannot be read to its end raises
`SourceError` with a one-line reason.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from medref.errors import UsageError

STDIN = "-"
_ZIP_MAGIC = b"PK"
_JSON_PREFIX = "results.item"


class SourceError(Exception):
    """A file that could not be read to its end (not JSON, a damaged zip, ...)."""


@dataclass(frozen=True, slots=True)
class Source:
    name: str  # as given ("-" for standard input)
    path: Path  # a spooled copy for standard input
    key: str  # what the state file records: the file name ("-" for standard input)
    temporary: bool = False


def resolve_sources(sources: Sequence[str | Path], stdin: IO[bytes] | None = None) -> list[Source]:
    """Check that every source exists before anything is read; spool standard input.

    Raises UsageError for a missing file or a folder.
    """
    names = [str(raw) for raw in sources]
    if names.count(STDIN) > 1:
        raise UsageError("'-' (standard input) given twice")
    for name in names:
        path = Path(name).expanduser()
        if name != STDIN and not path.exists():
            raise UsageError(f"{name}: no such file", hint="give .json or .json.zip files")
        if name != STDIN and path.is_dir():
            raise UsageError(f"{name}: is a folder", hint="give .json or .json.zip files")
    out: list[Source] = []
    for name in names:
        if name == STDIN:  # spooled only once every other source is known to exist
            out.append(Source(STDIN, _spool(stdin or sys.stdin.buffer), STDIN, temporary=True))
        else:
            path = Path(name).expanduser()
            out.append(Source(name, path, path.name))
    return out


def _spool(stream: IO[bytes]) -> Path:
    """Copy standard input to a temporary file, so that it can be read twice."""
    fd, name = tempfile.mkstemp(prefix="medref-openfda-", suffix=".stdin")
    with os.fdopen(fd, "wb") as out:
        shutil.copyfileobj(stream, out, 1 << 20)
    return Path(name)


def release(sources: list[Source]) -> None:
    for s in sources:
        if s.temporary:
            s.path.unlink(missing_ok=True)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0].strip() if text else type(exc).__name__


# Errors that mean "this file cannot be read to its end".
_READ_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    UnicodeDecodeError,
    ValueError,
    NotImplementedError,  # zip compression methods zipfile lacks
)


def _ijson_errors() -> tuple[type[BaseException], ...]:
    import ijson

    return (ijson.JSONError,)


@contextmanager
def open_streams(path: Path) -> Iterator[tuple[list[Callable[[], IO[bytes]]], Callable[[], int]]]:
    """(openers of the JSON streams in the file, bytes of the file read so far).

    A zip gives one stream per `.json` member (every member if none is named so).
    """
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise SourceError(f"cannot open: {exc.strerror or _one_line(exc)}") from exc
    with raw:
        head = raw.read(4)
        raw.seek(0)
        if not head.startswith(_ZIP_MAGIC):
            current: list[IO[bytes]] = []

            def plain() -> IO[bytes]:
                current[:] = [path.open("rb")]
                return current[0]

            yield [plain], lambda: current[0].tell() if current and not current[0].closed else 0
            return
        try:
            zf = zipfile.ZipFile(raw)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise SourceError(
                f"not a readable zip file (truncated or damaged: {_one_line(exc)})"
            ) from exc
        with zf:
            members = [i for i in zf.infolist() if not i.is_dir()]
            named = [i for i in members if i.filename.lower().endswith(".json")]
            chosen = named or members
            if not chosen:
                raise SourceError("the zip file holds no files")
            openers: list[Callable[[], IO[bytes]]] = [
                (lambda info=info: zf.open(info))  # type: ignore[misc]
                for info in chosen
            ]
            yield openers, raw.tell


def iter_records(path: Path) -> Iterator[tuple[int, Any, int]]:
    """(position, record, raw bytes read so far) for every record in the file's `results`.

    Raises SourceError when the file is not JSON, is cut short, or its zip is damaged
    (the zip's CRC is checked as each member's stream reaches its end).
    """
    import ijson

    errors = _READ_ERRORS + _ijson_errors()
    pos = 0
    seen_results = False
    try:
        with open_streams(path) as (openers, tell):
            for opener in openers:
                with opener() as stream:
                    for record in ijson.items(stream, _JSON_PREFIX, use_float=True):
                        seen_results = True
                        yield pos, record, tell()
                        pos += 1
                    while stream.read(1 << 20):
                        pass  # to the end, so that a zip member's CRC is checked
                    if not seen_results:
                        seen_results = _has_results(opener)
    except SourceError:
        raise
    except errors as exc:
        raise SourceError(_reason(exc, pos)) from exc
    if not seen_results:
        raise SourceError("no 'results' list: not an openFDA label file")


def _has_results(opener: Callable[[], IO[bytes]]) -> bool:
    """Is there a top-level `results` array (maybe empty)? Reads events only to find it."""
    import ijson

    with opener() as stream:
        for prefix, event, _value in ijson.parse(stream):
            if prefix == "results" and event == "start_array":
                return True
    return False


def _reason(exc: BaseException, pos: int) -> str:
    import ijson

    where = f" after {pos} records" if pos else ""
    if isinstance(exc, ijson.JSONError):
        if pos == 0 and "premature EOF" not in str(exc):
            return f"not JSON ({_one_line(exc)})"
        return f"JSON cut short or damaged{where} ({_one_line(exc)})"
    if isinstance(exc, zipfile.BadZipFile | zlib.error | EOFError):
        return f"damaged zip file{where} ({_one_line(exc)})"
    if isinstance(exc, OSError):
        return f"read error{where} ({exc.strerror or _one_line(exc)})"
    return f"unreadable{where} ({_one_line(exc)})"


def read_total(path: Path) -> int | None:
    """`meta.results.total` of a bulk file, read from its first events; None if absent."""
    import ijson

    try:
        with open_streams(path) as (openers, _raw), openers[0]() as stream:
            for prefix, event, value in ijson.parse(stream):
                if prefix == "meta.results.total" and event == "number":
                    return int(value)
                if prefix == "results" and event == "start_array":
                    return None
    except SourceError:
        raise
    except _READ_ERRORS + _ijson_errors() as exc:
        raise SourceError(_reason(exc, 0)) from exc
    return None


def count_records(path: Path) -> int:
    """How many records the file holds, reading it all (and checking the zip's CRCs)."""
    n = 0
    for _ in iter_records(path):
        n += 1
    return n
