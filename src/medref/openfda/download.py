"""openFDA's download manifest, and resumable, verified downloads of the label files.

A file is downloaded to `<name>.part` (resumed with an HTTP Range request when a part is
there), then checked: its size against the manifest's rounded `size_mb`, its zip CRCs, and
`meta.results.total` against the records read. Only then is it renamed into place. Uses
urllib from the standard library.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from medref import __version__
from medref.errors import DownloadProblem, OutputProblem
from medref.files import write_file
from medref.openfda.model import ImportProgress, NoProgress
from medref.openfda.read import SourceError, count_records, read_total

MANIFEST_ENV = "MEDREF_OPENFDA_MANIFEST"
DEFAULT_MANIFEST_URL = "https://api.fda.gov/download.json"
# Records what each whole file and each .part in the folder was downloaded for, so that a
# file of an older export (same name, new content) is fetched again, not kept or resumed.
SIDECAR = ".medref-openfda-downloads.json"

TIMEOUT = 60.0
RETRIES = 4  # further attempts after a dropped connection, each resuming where it stopped
RETRY_PAUSE = 1.0
CHUNK = 1 << 20
MAX_MANIFEST_BYTES = 64 << 20

# Disk estimates. A bulk zip holds JSON text deflated about 5:1 (English prose in JSON
# strings compresses 4-6x with deflate). The importer keeps the label sections a monograph
# shows, about 45% of a label's text (it leaves out description, clinical studies, how
# supplied, package labels, pharmacokinetics and the like). By default it writes one
# monograph per generic name and route: openFDA has roughly one such group per 8 labels
# (many manufacturers and repackagers of each generic), so about 1/8 of that text is
# written. The index (medref's SQLite file) holds each section's text zlib-compressed
# twice (the parsed monograph and the section row, about 1/3 of the text each) and an
# FTS5 inverted index of about 0.4x the text: about 1.1x the monographs' size
# (benchmarks/openfda_scale.py --index measured 0.77x on its synthetic text, which
# compresses far better than real label text).
UNZIPPED_PER_ZIPPED = 5.0
KEPT_TEXT = 0.45
LABELS_PER_MONOGRAPH = 8.0
INDEX_PER_MONOGRAPH = 1.1

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,200}")


@dataclass(frozen=True, slots=True)
class DownloadFile:
    url: str
    name: str  # the file name in the download folder
    size_bytes: int  # from the manifest's size_mb (decimal MB, rounded)
    size_slack: int  # how far the real size may be from size_bytes (the rounding)
    records: int | None
    size_mb: str

    def identity(self, export_date: str) -> str:
        return f"{export_date}|{self.url}|{self.size_mb}|{self.records}"

    def size_ok(self, size: int) -> bool:
        return abs(size - self.size_bytes) <= self.size_slack


@dataclass(frozen=True, slots=True)
class DownloadPlan:
    manifest_url: str
    export_date: str
    files: tuple[DownloadFile, ...]
    total_bytes: int
    total_records: int
    estimated_monograph_bytes: int  # one monograph per generic name and route
    estimated_monograph_bytes_per_label: int  # with per_label
    estimated_index_bytes: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "manifest_url": self.manifest_url,
            "export_date": self.export_date,
            "files": [
                {"url": f.url, "name": f.name, "size_bytes": f.size_bytes, "records": f.records}
                for f in self.files
            ],
            "total_bytes": self.total_bytes,
            "total_records": self.total_records,
            "estimated_monograph_bytes": self.estimated_monograph_bytes,
            "estimated_monograph_bytes_per_label": self.estimated_monograph_bytes_per_label,
            "estimated_index_bytes": self.estimated_index_bytes,
        }


def _request(url: str, headers: dict[str, str] | None = None) -> urllib.request.Request:
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme not in ("http", "https", "file"):
        raise DownloadProblem(f"{url}: not an http, https or file address")
    return urllib.request.Request(
        url, headers={"User-Agent": f"medref/{__version__}", **(headers or {})}
    )


def _size(size_mb: Any, where: str) -> tuple[int, int, str]:
    text = str(size_mb).strip() if isinstance(size_mb, str | int | float) else ""
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal(-1)
    if not text or value < 0 or not value.is_finite():
        raise DownloadProblem(f"the manifest gives {where} a size_mb that is not a number")
    exponent = value.as_tuple().exponent
    decimals = max(0, -exponent) if isinstance(exponent, int) else 0
    slack = int(Decimal(5) * Decimal(10) ** (5 - decimals)) + 1  # half the last digit
    return int(value * 1_000_000), slack, text


def plan_download(manifest_url: str | None = None) -> DownloadPlan:
    """Read the manifest: the drug label files, their sizes and records, disk estimates.

    The address is manifest_url, else $MEDREF_OPENFDA_MANIFEST, else openFDA's. Raises
    DownloadProblem when it cannot be read or has no drug label files.
    """
    url = manifest_url or os.environ.get(MANIFEST_ENV) or DEFAULT_MANIFEST_URL
    try:
        with urllib.request.urlopen(_request(url), timeout=TIMEOUT) as resp:
            raw = resp.read(MAX_MANIFEST_BYTES + 1)
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise DownloadProblem(f"cannot read the openFDA manifest {url}: {reason}") from exc
    if len(raw) > MAX_MANIFEST_BYTES:
        raise DownloadProblem(f"{url}: larger than any openFDA manifest; not read")
    try:
        data = json.loads(raw)
        label = data["results"]["drug"]["label"]
        parts = label["partitions"]
    except (ValueError, KeyError, TypeError) as exc:
        raise DownloadProblem(f"{url}: not an openFDA manifest with drug label files") from exc
    if not isinstance(parts, list) or not parts:
        raise DownloadProblem(f"{url}: the manifest lists no drug label files")
    files: list[DownloadFile] = []
    names: set[str] = set()
    for n, part in enumerate(parts, 1):
        where = f"drug label file {n}"
        if not isinstance(part, dict) or not isinstance(part.get("file"), str):
            raise DownloadProblem(f"the manifest's {where} has no file address")
        file_url = part["file"]
        name = urllib.parse.unquote(urllib.parse.urlsplit(file_url).path.rsplit("/", 1)[-1])
        if not _NAME.fullmatch(name) or name.endswith(".part") or name in names:
            raise DownloadProblem(f"the manifest's {where} has an unusable name {name!r}")
        names.add(name)
        size, slack, size_mb = _size(part.get("size_mb"), where)
        records = part.get("records")
        files.append(
            DownloadFile(
                url=file_url,
                name=name,
                size_bytes=size,
                size_slack=slack,
                records=records if isinstance(records, int) and records >= 0 else None,
                size_mb=size_mb,
            )
        )
    total_bytes = sum(f.size_bytes for f in files)
    declared = label.get("total_records")
    total_records = declared if isinstance(declared, int) else sum(f.records or 0 for f in files)
    per_label = int(total_bytes * UNZIPPED_PER_ZIPPED * KEPT_TEXT)
    grouped = int(per_label / LABELS_PER_MONOGRAPH)
    return DownloadPlan(
        manifest_url=url,
        export_date=str(label.get("export_date") or ""),
        files=tuple(files),
        total_bytes=total_bytes,
        total_records=total_records,
        estimated_monograph_bytes=grouped,
        estimated_monograph_bytes_per_label=per_label,
        estimated_index_bytes=int(grouped * INDEX_PER_MONOGRAPH),
    )


# ---------------------------------------------------------------------------------------
# Downloading


def _load_sidecar(dest_dir: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads((dest_dir / SIDECAR).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"files": {}, "parts": {}}
    out: dict[str, dict[str, str]] = {"files": {}, "parts": {}}
    if isinstance(data, dict):
        for kind in ("files", "parts"):
            got = data.get(kind)
            if isinstance(got, dict):
                out[kind] = {str(k): str(v) for k, v in got.items()}
    return out


def _save_sidecar(dest_dir: Path, data: dict[str, dict[str, str]]) -> None:
    write_file(dest_dir / SIDECAR, json.dumps(data, indent=1, sort_keys=True) + "\n")


def download_files(
    plan: DownloadPlan, dest_dir: Path, *, progress: ImportProgress | None = None
) -> list[Path]:
    """Download every file of the plan into dest_dir; return their paths, in plan order.

    Files already whole (downloaded and verified for this export) are kept. Raises
    DownloadProblem when a file cannot be downloaded or verified; a partial download is
    kept as `<name>.part` and resumed by the next call.
    """
    progress = progress or NoProgress()
    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputProblem(f"{dest_dir}: cannot create ({exc.strerror or exc})") from exc
    sidecar = _load_sidecar(dest_dir)
    paths: list[Path] = []
    for f in plan.files:
        final = dest_dir / f.name
        ident = f.identity(plan.export_date)
        if final.is_file() and sidecar["files"].get(f.name) == ident:
            paths.append(final)
            continue
        part = dest_dir / f"{f.name}.part"
        if sidecar["parts"].get(f.name) != ident:
            part.unlink(missing_ok=True)  # a part of another export cannot be resumed
            sidecar["parts"][f.name] = ident
            _save_sidecar(dest_dir, sidecar)
        _fetch(f, part, progress)
        _verify(f, part, progress)
        try:
            os.replace(part, final)
        except OSError as exc:
            raise OutputProblem(f"{final}: cannot write ({exc.strerror or exc})") from exc
        sidecar["parts"].pop(f.name, None)
        sidecar["files"][f.name] = ident
        _save_sidecar(dest_dir, sidecar)
        paths.append(final)
    return paths


class _Shown:
    """Progress in bytes of one file, never counting a byte twice across attempts."""

    def __init__(self, progress: ImportProgress) -> None:
        self.progress = progress
        self.at = 0

    def reached(self, n: int) -> None:
        if n > self.at:
            self.progress.advance(n - self.at)
            self.at = n


def _fetch(f: DownloadFile, part: Path, progress: ImportProgress) -> None:
    """Download f.url into part, resuming; retries a dropped connection RETRIES times."""
    attempt = 0
    progress.start(f"Downloading {f.name}", f.size_bytes or None, "bytes")
    shown = _Shown(progress)
    try:
        while True:
            try:
                if _attempt(f, part, shown):
                    return
                reason = "the connection closed before the end of the file"
            except DownloadProblem:
                raise
            except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
                if isinstance(exc, urllib.error.HTTPError) and exc.code < 500:
                    raise DownloadProblem(f"{f.url}: HTTP {exc.code} {exc.reason}") from exc
                reason = str(getattr(exc, "reason", None) or exc) or type(exc).__name__
            attempt += 1
            if attempt > RETRIES:
                have = part.stat().st_size if part.exists() else 0
                raise DownloadProblem(
                    f"{f.name}: download interrupted ({reason}); {have} bytes kept",
                    hint="run the download again to resume it",
                )
            time.sleep(RETRY_PAUSE * attempt)
    finally:
        progress.finish()


_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")


def _attempt(f: DownloadFile, part: Path, shown: _Shown) -> bool:
    """One request. True when the server sent the whole rest of the file."""
    have = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={have}-"} if have else {}
    try:
        resp = urllib.request.urlopen(_request(f.url, headers), timeout=TIMEOUT)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:
            # Nothing after what we have: the part is whole, or longer than the file now is.
            exc.close()
            if f.size_ok(have):
                return True
            part.unlink()
            return False
        raise
    with resp:
        status = getattr(resp, "status", 200)
        mode = "ab"
        if have and status == 206:
            m = _CONTENT_RANGE.match(resp.headers.get("Content-Range", ""))
            if not m or int(m[1]) != have:
                part.unlink()  # a range we did not ask for: start again cleanly
                return False
        elif have:
            mode, have = "wb", 0  # the server ignored Range and sends the whole file
        shown.reached(have)
        length = resp.headers.get("Content-Length")
        expected = int(length) if length and length.isdigit() else None
        got = 0
        with part.open(mode) as out:
            while True:
                chunk = resp.read(CHUNK)
                if not chunk:
                    break
                out.write(chunk)
                got += len(chunk)
                shown.reached(have + got)
    return expected is None or got >= expected


def _verify(f: DownloadFile, part: Path, progress: ImportProgress) -> None:
    """Size, zip CRCs and record count; a file that fails is deleted, never renamed."""
    size = part.stat().st_size
    if not f.size_ok(size):
        part.unlink()
        raise DownloadProblem(
            f"{f.name}: {size} bytes downloaded, but the manifest says {f.size_mb} MB",
            hint="the file may have changed since the manifest was read; run again",
        )
    progress.start(f"Checking {f.name}", f.records, "records")
    try:
        total = read_total(part)
        read = count_records(part)
    except SourceError as exc:
        part.unlink()
        raise DownloadProblem(f"{f.name}: {exc}") from exc
    finally:
        progress.finish()
    if total is not None and total != read:
        with contextlib.suppress(OSError):
            part.unlink()
        raise DownloadProblem(f"{f.name}: {read} records read, but the file says {total}")
