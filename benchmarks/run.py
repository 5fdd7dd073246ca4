"""Whole-process benchmarks for medref, written to docs/benchmarks.md.

Usage::

    python benchmarks/run.py [--smoke] [--runs N] [--sizes 1000,5000,10000,50000]
                             [--workdir DIR] [--out docs/benchmarks.md]

Every figure is the wall time (``time.perf_counter``) of a whole process started from
the command line, as a user would run it. Commands that are compared run in alternation
(A B C A B C ...) after one untimed warm-up round; each group also runs the reference,
the pip ``tldr`` client rendering a small local page (``tldr -r benchmarks/page.md``), so
every ratio compares medians taken in the same run on the same machine.

Synthetic corpora come from ``benchmarks/gencorpus.py`` and are kept in the work folder
(default /tmp/medref-bench) for the next run while their manifest still matches.

``--smoke`` (what CI runs) takes about 30 seconds: a 300-file corpus stands in for the
10,000-file one, 3 runs per command, no 50,000-file corpus, no plot and no typer check; its
report goes to the work folder. The script exits non-zero only when a command fails, never
because a timing misses its target.

Standard library only, plus matplotlib (imported only to draw the plot).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import importlib.metadata
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gencorpus

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PAGE = HERE / "page.md"
GENCORPUS = HERE / "gencorpus.py"
SOURCE = REPO / "src" / "medref"
BIN = Path(sys.executable).parent  # the venv's bin folder: medref and tldr live here
MEDREF = BIN / "medref"
TLDR = BIN / "tldr"

DEFAULT_SIZES = (1000, 5000, 10000, 50000)
PRIMARY = 10000  # the corpus size most targets are stated for
BIG = 50000
SMOKE_SIZE = 300  # stands in for PRIMARY in --smoke
DEFAULT_RUNS = 15
SMOKE_RUNS = 3
MIN_RUNS = 10
COLD_RUNS = 3  # cold index builds of the primary corpus; other sizes get 1
SAMPLE_EVERY = (
    0.25  # seconds between /proc samples of the cold index's process tree (each costs CPU)
)
COLUMNS = "100"

# With --snapshot, medref runs from a copy of src/ taken at the start (via PYTHONPATH).
PYTHONPATH: list[str] = []

REF = "ref"
REF_LABEL = "reference: `tldr -r benchmarks/page.md`"

# Environment variables that would change what the measured processes do.
DROP_ENV = (
    # Byte-code is compiled once before measuring (see main); a user's install has it too.
    "PYTHONDONTWRITEBYTECODE",
    "MEDREF_PATH",
    "MEDREF_PAGER",
    "PAGER",
    "NO_COLOR",
    "FORCE_COLOR",
    "PYTHONPROFILEIMPORTTIME",
    "PYTHONDEVMODE",
    "PYTHONMALLOC",
    "PYTHONTRACEMALLOC",
    "PYTHONWARNINGS",
)

TYPER_APP = '''\
"""A one-command Typer app, for timing typer's own start-up."""

import typer

app = typer.Typer()


@app.command()
def hello(name: str = "world", loud: bool = False) -> None:
    """Greet someone."""
    text = f"hello {name}"
    print(text.upper() if loud else text)


if __name__ == "__main__":
    app()
'''


class CommandFailed(Exception):
    """A measured command exited with an unexpected status or printed the wrong thing."""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- commands


@dataclass
class Cmd:
    key: str
    label: str  # shown in the report, as a user would type it
    argv: list[str]
    env: dict[str, str]
    ok: tuple[int, ...] = (0,)
    before: Callable[[int], None] | None = None  # untimed step before each run (run number)
    check: Callable[[bytes], str | None] | None = None  # returns a problem, or None


@dataclass
class Stats:
    key: str
    label: str
    times: list[float]  # seconds, in run order

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def low(self) -> float:
        return min(self.times)

    @property
    def high(self) -> float:
        return max(self.times)


@dataclass
class Group:
    """Commands measured in alternation with the reference."""

    name: str
    title: str
    stats: dict[str, Stats] = field(default_factory=dict)
    error: str | None = None
    load: float | None = None  # 1-minute load average when the group started

    def ratio(self, key: str, base: str = REF) -> float | None:
        if key not in self.stats or base not in self.stats:
            return None
        return self.stats[key].median / self.stats[base].median

    def median_ms(self, key: str) -> float | None:
        return self.stats[key].median * 1000 if key in self.stats else None


def run_once(cmd: Cmd, number: int, validate: bool) -> float:
    """Run cmd once; return its wall time in seconds."""
    if cmd.before is not None:
        cmd.before(number)
    start = time.perf_counter()
    proc = subprocess.run(
        cmd.argv,
        env=cmd.env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode not in cmd.ok:
        err = proc.stderr.decode(errors="replace").strip().splitlines()[-3:]
        raise CommandFailed(
            f"{cmd.label}: exit status {proc.returncode}" + (f": {' / '.join(err)}" if err else "")
        )
    if validate and cmd.check is not None:
        problem = cmd.check(proc.stdout)
        if problem:
            raise CommandFailed(f"{cmd.label}: {problem}")
    return elapsed


def measure(group: Group, cmds: Sequence[Cmd], runs: int, warmup: int = 1) -> Group:
    """Warm up, then run the commands in alternation, runs times each."""
    group.load = os.getloadavg()[0]
    log(f"[{group.name}] {len(cmds)} commands x ({warmup} warm-up + {runs} runs)")
    for w in range(warmup):
        for cmd in cmds:
            run_once(cmd, -1 - w, validate=True)
    times: dict[str, list[float]] = {c.key: [] for c in cmds}
    for r in range(runs):
        for cmd in cmds:
            times[cmd.key].append(run_once(cmd, r, validate=False))
    for cmd in cmds:
        group.stats[cmd.key] = Stats(cmd.key, cmd.label, times[cmd.key])
        s = group.stats[cmd.key]
        log(f"  {s.median * 1000:8.1f} ms  {cmd.label}")
    return group


def is_json(expect: Callable[[Any], str | None] | None = None) -> Callable[[bytes], str | None]:
    def check(out: bytes) -> str | None:
        try:
            data = json.loads(out)
        except ValueError as exc:
            return f"output is not JSON ({exc})"
        return expect(data) if expect else None

    return check


def non_empty(out: bytes) -> str | None:
    return None if out.strip() else "printed nothing"


def shows_colostrum(data: Any) -> str | None:
    if isinstance(data, dict) and data.get("id") == "colostrum":
        return None
    return "did not return the colostrum monograph"


def has_faqs(out: bytes) -> str | None:
    return None if b"?" in out else "printed no questions"


def coloured(out: bytes) -> str | None:
    return None if b"\x1b[" in out else "printed no colour codes"


def lists_at_least(n: int) -> Callable[[Any], str | None]:
    def expect(data: Any) -> str | None:
        if isinstance(data, list) and len(data) >= n:
            return None
        return f"listed fewer than {n} monographs"

    return expect


# --------------------------------------------------------------------------- environment


def base_env(workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in DROP_ENV and not k.startswith("TLDR")}
    empty = workdir / "xdg-data"  # no user data dir monographs
    empty.mkdir(parents=True, exist_ok=True)
    env["XDG_DATA_HOME"] = str(empty)
    env["COLUMNS"] = COLUMNS
    return env


def medref_env(workdir: Path, cache: Path) -> dict[str, str]:
    env = base_env(workdir)
    env["MEDREF_CACHE_DIR"] = str(cache)
    if PYTHONPATH:
        env["PYTHONPATH"] = os.pathsep.join(PYTHONPATH)
    else:
        env.pop("PYTHONPATH", None)
    return env


def medref(corpus: Path | None, *args: str) -> list[str]:
    return [str(MEDREF), *(["--corpus", str(corpus)] if corpus else []), *args]


def reference(workdir: Path) -> Cmd:
    return Cmd(REF, REF_LABEL, [str(TLDR), "-r", str(PAGE)], base_env(workdir), check=non_empty)


def dist_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def read_first(path: str, prefix: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith(prefix):
                    return line.split(":", 1)[1].strip() if ":" in line else line.strip()
    except OSError:
        return None
    return None


def machine() -> dict[str, str]:
    cpu = read_first("/proc/cpuinfo", "model name") or platform.processor() or "unknown"
    mem = read_first("/proc/meminfo", "MemTotal")
    mem_text = f"{int(mem.split()[0]) / 1024**2:.1f} GiB" if mem else "unknown"
    os_name = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/etc/os-release").read_text(encoding="utf-8").splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = line.split("=", 1)[1].strip().strip('"')
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    cores = f"{os.cpu_count()}" + (f" ({usable} usable)" if usable != os.cpu_count() else "")
    return {
        "CPU": cpu,
        "Cores": cores,
        "Memory": mem_text,
        "OS": f"{os_name}, {platform.system()} {platform.release()} ({platform.machine()})",
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "SQLite": sqlite3.sqlite_version,
        "medref": dist_version("medref"),
        "typer": dist_version("typer"),
        "rich": dist_version("rich"),
        "tldr": dist_version("tldr"),
    }


def git_commit() -> str:
    try:
        proc = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
            timeout=20,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return proc.stdout.strip() or "unknown"


def source_digest(root: Path = SOURCE) -> str:
    """A digest of medref's Python source, to tell whether it changed during the run."""
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        if "__pycache__" not in path.parts:
            h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:12]


def make_snapshot(workdir: Path) -> tuple[Path, str]:
    """Copy src/medref and monographs/ into workdir; return the src folder and its digest.

    medref then runs from the copy (PYTHONPATH comes before the editable install), so
    edits other people make to src/ while a long run goes on do not change what it measures.
    """
    for old in workdir.glob("snapshot-*"):
        shutil.rmtree(old, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix="snapshot-", dir=workdir))
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(SOURCE, tmp / "src" / "medref", ignore=ignore)
    shutil.copytree(REPO / "monographs", tmp / "monographs", ignore=ignore)
    digest = source_digest(tmp / "src" / "medref")
    root = workdir / f"snapshot-{digest}"
    if root.exists():
        shutil.rmtree(root)
    os.replace(tmp, root)
    return root / "src", digest


# --------------------------------------------------------------------------- corpora


def file_totals(root: Path) -> tuple[int, int]:
    """Number and total bytes of *.md files under root."""
    count = size = 0
    for folder, _dirs, files in os.walk(root):
        for name in files:
            if name.endswith(".md"):
                count += 1
                size += os.stat(os.path.join(folder, name)).st_size
    return count, size


def generator_digest() -> str:
    return hashlib.sha256(GENCORPUS.read_bytes()).hexdigest()[:16]


def ensure_corpus(workdir: Path, n: int, seed: int) -> tuple[Path, dict[str, Any]]:
    """The corpus of n monographs, reused when its manifest and files still match."""
    root = workdir / f"corpus-{n}-seed{seed}"
    stamp = workdir / f"corpus-{n}-seed{seed}.stamp.json"
    digest = generator_digest()
    with contextlib.suppress(OSError, ValueError):
        manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
        recorded = json.loads(stamp.read_text(encoding="utf-8"))
        same = (
            manifest.get("n") == n
            and manifest.get("seed") == seed
            and recorded.get("generator") == digest
            and recorded.get("manifest") == manifest
            and file_totals(root) == (manifest["files"], manifest["bytes"])
        )
        if same:
            log(f"corpus {n}: reusing {root}")
            return root, manifest
    if root.exists():
        shutil.rmtree(root)
    log(f"corpus {n}: generating into {root}")
    start = time.perf_counter()
    manifest = gencorpus.generate(n, root, seed)
    log(f"corpus {n}: {manifest['bytes'] / 1e6:.1f} MB in {time.perf_counter() - start:.1f} s")
    stamp.write_text(json.dumps({"generator": digest, "manifest": manifest}), encoding="utf-8")
    return root, manifest


# --------------------------------------------------------------------------- cold index


@dataclass
class ColdRun:
    seconds: float
    maxrss_kb: int  # os.wait4: the largest peak RSS of any one process in medref's tree
    pss_sum_kb: int  # sampled: peak of the summed PSS of medref and its workers
    rss_sum_kb: int  # sampled: peak of the summed RSS of medref and its workers
    processes: int  # distinct processes seen in the tree
    db_path: str
    db_bytes: int
    monographs: int


@dataclass
class Cold:
    size: int
    runs: list[ColdRun]
    corpus_bytes: int  # every indexed file: the synthetic corpus plus the bundled monographs

    @property
    def median(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def maxrss_mb(self) -> float:
        return max(r.maxrss_kb for r in self.runs) / 1024

    @property
    def pss_sum_mb(self) -> float:
        return max(r.pss_sum_kb for r in self.runs) / 1024

    @property
    def rss_sum_mb(self) -> float:
        return max(r.rss_sum_kb for r in self.runs) / 1024

    @property
    def db_bytes(self) -> int:
        return self.runs[-1].db_bytes


def _proc_field(text: str, name: str) -> int:
    for line in text.splitlines():
        if line.startswith(name):
            return int(line.split()[1])
    return 0


def _tree(root: int) -> list[int]:
    """root and its descendants, from /proc/*/stat."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat.rpartition(")")[2].split()
        if len(fields) > 1:
            parents.setdefault(int(fields[1]), []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(parents.get(pid, []))
    return out


class TreeSampler(threading.Thread):
    """Samples the summed RSS and PSS of a process tree until stopped."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.stop = threading.Event()
        self.rss_peak = 0
        self.pss_peak = 0
        self.seen: set[int] = set()

    def run(self) -> None:
        while not self.stop.is_set():
            rss = pss = 0
            for pid in _tree(self.root):
                try:
                    with open(f"/proc/{pid}/smaps_rollup", encoding="utf-8") as fh:
                        text = fh.read()
                except OSError:
                    continue
                self.seen.add(pid)
                rss += _proc_field(text, "Rss:")
                pss += _proc_field(text, "Pss:")
            self.rss_peak = max(self.rss_peak, rss)
            self.pss_peak = max(self.pss_peak, pss)
            self.stop.wait(SAMPLE_EVERY)


def cold_once(corpus: Path, cache: Path, env: dict[str, str]) -> ColdRun:
    """`medref --corpus C index --json` with an empty cache; wall time and memory."""
    if cache.exists():
        shutil.rmtree(cache)
    cache.mkdir(parents=True)
    argv = medref(corpus, "index", "--json")
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        sampler = TreeSampler(proc.pid)
        sampler.start()
        _pid, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        sampler.stop.set()
        sampler.join()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        tail = stderr.decode(errors="replace").strip().splitlines()[-3:]
        raise CommandFailed(f"{' '.join(argv)}: exit status {proc.returncode}: {' / '.join(tail)}")
    info = json.loads(stdout)
    db = Path(info["path"])
    return ColdRun(
        seconds=elapsed,
        maxrss_kb=usage.ru_maxrss,  # kilobytes on Linux
        pss_sum_kb=sampler.pss_peak,
        rss_sum_kb=sampler.rss_peak,
        processes=len(sampler.seen),
        db_path=str(db),
        db_bytes=db.stat().st_size,
        monographs=int(info["monographs"]),
    )


def cold_index(size: int, corpus: Path, workdir: Path, runs: int, warm_cache: Path) -> Cold:
    log(f"[cold index {size}] {runs} run(s), empty cache each time")
    cache = workdir / "cache-cold"
    env = medref_env(workdir, cache)
    results: list[ColdRun] = []
    for _ in range(runs):
        r = cold_once(corpus, cache, env)
        results.append(r)
        log(
            f"  {r.seconds:6.2f} s  peak RSS {r.maxrss_kb / 1024:.0f} MB (wait4), "
            f"sum PSS {r.pss_sum_kb / 1024:.0f} MB, {r.processes} processes, "
            f"db {r.db_bytes / 1e6:.1f} MB"
        )
    # Keep the last build as the warm cache for the timed lookups.
    last = Path(results[-1].db_path)
    warm_cache.mkdir(parents=True, exist_ok=True)
    os.replace(last, warm_cache / last.name)
    shutil.rmtree(cache, ignore_errors=True)
    bundled = file_totals(REPO / "monographs")[1] if (REPO / "monographs").is_dir() else 0
    return Cold(size, results, file_totals(corpus)[1] + bundled)


# --------------------------------------------------------------------------- groups


def bundled_group(workdir: Path, cache: Path, runs: int) -> Group:
    env = medref_env(workdir, cache)
    cmds = [
        reference(workdir),
        Cmd(
            "show_color",
            "`medref --color always show colostrum`",
            medref(None, "--color", "always", "show", "colostrum"),
            env,
            check=coloured,
        ),
        Cmd(
            "show_json",
            "`medref show colostrum --json`",
            medref(None, "show", "colostrum", "--json"),
            env,
            check=is_json(shows_colostrum),
        ),
    ]
    return measure(Group("bundled", "Bundled monographs only (65 files)"), cmds, runs)


def corpus_cmds(size: int, corpus: Path, env: dict[str, str], label: str) -> list[Cmd]:
    return [
        Cmd(
            "search",
            f"`medref --corpus {label} search allergy`",
            medref(corpus, "search", "allergy"),
            env,
            check=non_empty,
        ),
        Cmd(
            "show_json",
            f"`medref --corpus {label} show colostrum --json`",
            medref(corpus, "show", "colostrum", "--json"),
            env,
            check=is_json(shows_colostrum),
        ),
        Cmd(
            "list_json",
            f"`medref --corpus {label} list --json`",
            medref(corpus, "list", "--json"),
            env,
            check=is_json(lists_at_least(size)),
        ),
        Cmd(
            "faq",
            f"`medref --corpus {label} faq colostrum`",
            medref(corpus, "faq", "colostrum"),
            env,
            check=has_faqs,
        ),
        Cmd(
            "show_json_bundled",
            "`medref show colostrum --json` (bundled only)",
            medref(None, "show", "colostrum", "--json"),
            env,
            check=is_json(shows_colostrum),
        ),
    ]


def size_group(size: int, corpus: Path, workdir: Path, cache: Path, runs: int) -> Group:
    env = medref_env(workdir, cache)
    label = f"C{size // 1000}k" if size % 1000 == 0 else f"C{size}"
    # Bring the warm cache up to date (untimed) before the warm-up round.
    took = run_once(Cmd("prep", "index", medref(corpus, "index"), env), 0, validate=False)
    log(f"[corpus {size}] warm cache checked in {took:.2f} s")
    group = Group(f"corpus {size}", f"{size:,} synthetic monographs ({label}), warm cache")
    return measure(group, [reference(workdir), *corpus_cmds(size, corpus, env, label)], runs)


class Editor:
    """Before each run, changes one corpus file; `restore` puts every file back as it was.

    `replace=True` saves a different file each time the way most editors do (vim, emacs,
    `sed -i`): the new text is written to a temporary file renamed over the old one.
    `replace=False` appends a line to one file in place, as `>>` would.
    """

    def __init__(self, files: list[str], *, replace: bool) -> None:
        self.files = files
        self.replace = replace
        self.originals: dict[str, bytes] = {}
        self.count = 0

    def __call__(self, _number: int) -> None:
        path = self.files[self.count % len(self.files)]
        self.count += 1
        with open(path, "rb") as fh:
            old = fh.read()
        self.originals.setdefault(path, old)
        line = f"\nBenchmark edit {self.count}: this line was added by run.py.\n".encode()
        if self.replace:
            self._write_new(path, old + line)
        else:
            with open(path, "ab") as fh:
                fh.write(line)

    @staticmethod
    def _write_new(path: str, data: bytes) -> None:
        folder, name = os.path.split(path)
        tmp = os.path.join(folder, f".{name}.swp")  # hidden: never indexed
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)

    def restore(self) -> None:
        for path, data in self.originals.items():
            self._write_new(path, data)
        self.originals.clear()


def edit_group(size: int, corpus: Path, workdir: Path, cache: Path, runs: int) -> Group:
    env = medref_env(workdir, cache)
    label = f"C{size // 1000}k" if size % 1000 == 0 else f"C{size}"
    files = sorted(str(p) for p in corpus.rglob("*.md"))
    step = 7919  # a prime: spreads the picks over every letter folder
    others = Editor([files[(i * step) % len(files)] for i in range(len(files))], replace=True)
    shown_file = files[len(files) // 2]
    shown_id = Path(shown_file).stem  # generated names are already ids (a-z, 0-9 and -)
    shown = Editor([shown_file], replace=False)
    argv = medref(corpus, "show", "colostrum", "--json")
    argv_shown = medref(corpus, "show", shown_id, "--json")
    cmds = [
        reference(workdir),
        Cmd("warm", f"`medref --corpus {label} show colostrum --json`, nothing changed", argv, env),
        Cmd(
            "edited",
            f"same, after an editor saved another file of {label} (new file renamed over it)",
            argv,
            env,
            before=others,
            check=is_json(shows_colostrum),
        ),
        Cmd("warm_shown", f"`medref --corpus {label} show {shown_id} --json`", argv_shown, env),
        Cmd(
            "edited_shown",
            "same, after a line was appended in place to that monograph's file",
            argv_shown,
            env,
            before=shown,
            check=is_json(),
        ),
    ]
    group = Group(f"edit {size}", f"Next lookup after one file was edited ({label})")
    try:
        run_once(Cmd("prep", "index", medref(corpus, "index"), env), 0, validate=False)
        return measure(group, cmds, runs)
    finally:
        others.restore()
        shown.restore()
        # Leave the corpus and the warm cache as they were (untimed).
        run_once(Cmd("prep", "index", medref(corpus, "index"), env), 0, validate=False)


# --------------------------------------------------------------------------- typer check


@dataclass
class TyperCheck:
    line: str
    newest: str | None = None
    installed: str | None = None
    newest_ms: float | None = None
    installed_ms: float | None = None
    pydantic: bool | None = None


def typer_check(workdir: Path, runs: int) -> TyperCheck:
    """Time a one-command Typer app under the newest typer and under the installed one."""
    log("[typer check] creating a temporary venv with the newest typer")
    installed = dist_version("typer")
    with tempfile.TemporaryDirectory(prefix="typer-check-", dir=workdir) as tmp:
        venv = Path(tmp) / "venv"
        py = venv / "bin" / "python"
        try:
            subprocess.run(
                [sys.executable, "-m", "venv", str(venv)],
                check=True,
                capture_output=True,
                timeout=300,
            )
            subprocess.run(
                [str(py), "-m", "pip", "install", "--quiet", "--upgrade", "typer"],
                check=True,
                capture_output=True,
                timeout=600,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            detail = ""
            if isinstance(exc, subprocess.CalledProcessError):
                lines = (exc.stderr or b"").decode(errors="replace").strip().splitlines()
                detail = f": {lines[-1]}" if lines else ""
            line = f"typer check skipped: could not install the newest typer (no network?){detail}"
            log(f"  {line}")
            return TyperCheck(line, installed=installed)
        app = Path(tmp) / "hello.py"
        app.write_text(TYPER_APP, encoding="utf-8")
        newest = subprocess.run(
            [str(py), "-c", "import importlib.metadata as m; print(m.version('typer'))"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        # Does the app import pydantic when it runs? (-X importtime lists every import.)
        probe = subprocess.run(
            [str(py), "-X", "importtime", str(app), "--name", "probe"],
            capture_output=True,
            text=True,
            check=True,
        )
        pyd = any(
            line.rpartition("|")[2].strip().startswith("pydantic")
            for line in probe.stderr.splitlines()
        )
        env = base_env(workdir)
        cmds = [
            Cmd("newest", f"typer {newest}", [str(py), str(app), "--name", "bench"], env),
            Cmd("installed", f"typer {installed}", [sys.executable, str(app), "--name", "b"], env),
        ]
        group = measure(Group("typer", "typer start-up"), cmds, runs)
    new_ms = group.median_ms("newest") or 0.0
    old_ms = group.median_ms("installed") or 0.0
    line = f"typer {newest}: {new_ms:.0f} ms vs installed {installed}: {old_ms:.0f} ms"
    line += f" ({new_ms / old_ms:.2f}x; newest imports pydantic at start-up: {pyd})"
    log(f"  {line}")
    return TyperCheck(line, newest, installed, new_ms, old_ms, pyd)


# --------------------------------------------------------------------------- targets


@dataclass
class Target:
    what: str
    measured: str
    goal: str
    ok: bool | None  # None: not measured
    figure: str = ""  # the failing figure, for "Targets not met"

    @property
    def verdict(self) -> str:
        return "n/a" if self.ok is None else ("PASS" if self.ok else "FAIL")


def ratio_target(what: str, group: Group | None, key: str, limit: float) -> Target:
    goal = f"<= {limit:.1f} x reference"
    r = group.ratio(key) if group else None
    if group is None or r is None:
        return Target(what, "not measured", goal, None)
    med, ref = group.stats[key].median * 1000, group.stats[REF].median * 1000
    text = f"{r:.2f} x ({med:.0f} ms vs {ref:.0f} ms)"
    return Target(what, text, goal, r <= limit, text)


def edit_target(what: str, group: Group | None, key: str, base: str) -> Target:
    """A lookup after an edit against the same lookup with nothing changed."""
    goal = "<= 1.5 x a normal lookup"
    r = group.ratio(key, base) if group else None
    if group is None or r is None:
        return Target(what, "not measured", goal, None)
    text = f"{r:.2f} x ({group.median_ms(key):.0f} vs {group.median_ms(base):.0f} ms)"
    return Target(what, text, goal, r <= 1.5, text)


@dataclass
class Results:
    smoke: bool
    runs: int
    sizes: list[int]
    primary: int
    seed: int
    commit: str = "unknown"  # read at the start of the run
    source_start: str = ""
    source_end: str = ""
    snapshot: str | None = None  # digest of the copy medref ran from, with --snapshot
    load_start: float = 0.0
    groups: list[Group] = field(default_factory=list)
    colds: dict[int, Cold] = field(default_factory=dict)
    corpora: dict[int, dict[str, Any]] = field(default_factory=dict)
    typer: TyperCheck | None = None
    failures: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)
    seconds: float = 0.0

    def group(self, name: str) -> Group | None:
        for g in self.groups:
            if g.name == name and not g.error:
                return g
        return None


def targets(res: Results) -> list[Target]:
    p = res.primary
    lbl = f"{p // 1000}k" if p % 1000 == 0 else str(p)
    bundled = res.group("bundled")
    main = res.group(f"corpus {p}")
    edit = res.group(f"edit {p}")
    out = [
        ratio_target(
            "`medref --color always show colostrum` (rendered)", bundled, "show_color", 1.2
        ),
        ratio_target("`medref show colostrum --json`", bundled, "show_json", 1.0),
        ratio_target(f"`medref --corpus C{lbl} search allergy`", main, "search", 1.3),
        ratio_target(f"`medref --corpus C{lbl} faq colostrum`", main, "faq", 1.3),
        ratio_target(f"`medref --corpus C{lbl} list --json`", main, "list_json", 1.3),
    ]
    what = (
        f"freshness check, nothing changed, {p:,} files (show --json with minus without --corpus)"
    )
    if main and "show_json" in main.stats and "show_json_bundled" in main.stats:
        added = (main.stats["show_json"].median - main.stats["show_json_bundled"].median) * 1000
        text = f"{added:+.1f} ms ({main.median_ms('show_json'):.0f} vs "
        text += f"{main.median_ms('show_json_bundled'):.0f} ms)"
        out.append(Target(what, text, "<= 15 ms added", added <= 15, text))
    else:
        out.append(Target(what, "not measured", "<= 15 ms added", None))
    out.append(
        edit_target(f"next lookup after one file was edited, {p:,} files", edit, "edited", "warm")
    )
    out.append(
        edit_target(
            f"next lookup of a file just edited in place (appended to), {p:,} files",
            edit,
            "edited_shown",
            "warm_shown",
        )
    )
    cold = res.colds.get(p)
    what = (
        f"cold first-run index, {p:,} files: wall time (median of {len(cold.runs) if cold else 0})"
    )
    if cold:
        text = f"{cold.median:.2f} s"
        out.append(Target(what, text, "<= 4.5 s", cold.median <= 4.5, text))
        what = f"cold first-run index, {p:,} files: peak RSS (os.wait4, largest process)"
        text = f"{cold.maxrss_mb:.0f} MB (summed PSS of all {cold.runs[-1].processes} "
        text += f"processes: {cold.pss_sum_mb:.0f} MB)"
        out.append(Target(what, text, "<= 200 MB", cold.maxrss_mb <= 200, text))
    else:
        out.append(Target(what, "not measured", "<= 4.5 s", None))
        out.append(Target(f"cold index {p:,}: peak RSS", "not measured", "<= 200 MB", None))
    big = res.colds.get(BIG)
    if big:
        text = f"{big.median:.1f} s"
        out.append(Target("cold index, 50,000 files", text, "<= 25 s", big.median <= 25, text))
    else:
        out.append(Target("cold index, 50,000 files", "not measured", "<= 25 s", None))
    out.append(
        ratio_target(
            "`medref --corpus C50k search allergy`", res.group(f"corpus {BIG}"), "search", 1.5
        )
    )
    if big:
        r = big.db_bytes / big.corpus_bytes
        text = f"{r:.2f} x ({big.db_bytes / 1e6:.0f} MB / {big.corpus_bytes / 1e6:.0f} MB)"
        out.append(
            Target("index database / corpus bytes, 50,000 files", text, "<= 2.5 x", r <= 2.5, text)
        )
    else:
        out.append(
            Target("index database / corpus bytes, 50,000 files", "not measured", "<= 2.5 x", None)
        )
    return out


# --------------------------------------------------------------------------- report


def md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def report(res: Results, plot: Path | None, out: Path) -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    p = res.primary
    lines = ["# medref benchmarks", ""]
    lines.append(
        f"Written by `python benchmarks/run.py{' --smoke' if res.smoke else ''}` on {now}, "
        f"at commit `{res.commit}` (read at the start; the working tree may hold uncommitted "
        f"changes), in {res.seconds:.0f} s."
    )
    if res.smoke:
        lines += [
            "",
            f"**Smoke run**: a {p}-file corpus stands in for the 10,000-file one, "
            f"{res.runs} runs per command, no 50,000-file corpus, no plot, no typer check. "
            "The figures only show that every command works; do not read them as results.",
        ]
    lines += ["", "## Machine", ""]
    lines += [f"- {k}: {v}" for k, v in machine().items()]
    lines.append(
        f"- Load average (1 min) at the start: {res.load_start:.2f}; at the start of each "
        "group it is given with the group below. Other work on the machine adds noise."
    )
    lines += ["", "## Source measured", ""]
    if res.snapshot:
        lines.append(
            f"`--snapshot`: medref ran from a copy of `src/medref` and `monographs/` taken at "
            f"the start (source digest `{res.snapshot}`), put first on `PYTHONPATH`, so edits "
            "made to the working tree during the run do not change what was measured."
        )
    elif res.source_start == res.source_end:
        lines.append(
            f"The working tree's `src/medref` (source digest `{res.source_start}`), unchanged "
            "from the start of the run to its end."
        )
    else:
        lines.append(
            f"**Warning**: `src/medref` changed during the run (source digest "
            f"`{res.source_start}` at the start, `{res.source_end}` at the end), so the figures "
            "below mix versions. Run again with `--snapshot` to measure one version."
        )

    cold_runs = len(res.colds[p].runs) if p in res.colds else 0
    lines += [
        "",
        "## Method",
        "",
        "- Every figure is the wall time of a whole process started with `subprocess.run` "
        "(stdin from /dev/null, stdout and stderr to pipes), timed with `time.perf_counter` "
        "around the call, as a user would run the command.",
        "- The executables are those of the Python that runs the script "
        f"(`{BIN}`): `medref` and the pip `tldr` client.",
        "- Reference: `tldr -r benchmarks/page.md`, the tldr client rendering a small local "
        "page (no network). Every group below runs it alongside its commands, and each ratio "
        "is a median divided by the reference median of the same group.",
        f"- Each group runs one untimed warm-up round, then {res.runs} rounds in which its "
        "commands run one after another in a fixed order (A B C A B C ...), so slow drifts "
        "of the machine hit every command alike. Reported: median, min and max in ms.",
        "- The environment is cleaned for every process: `MEDREF_PATH`, `NO_COLOR`, "
        "`FORCE_COLOR`, `PAGER` and friends are removed, `XDG_DATA_HOME` points at an empty "
        f"folder (no user monographs), `COLUMNS={COLUMNS}`, and `MEDREF_CACHE_DIR` points at "
        "a cache folder of the benchmark's own.",
        "- `--color` is a global option of medref, so the rendered lookup is "
        "`medref --color always show colostrum` (output to a pipe, colour forced on). "
        "tldr strips colour on a pipe.",
        "- Warm commands run on an index that is already built and up to date: they pay only "
        "the freshness check. Within 30 s of the last full check (one stat() per file) that is "
        "one stat() per corpus folder, plus one per file a command shows; a full check runs "
        "when the last one is older (`MEDREF_RECHECK`), so long runs include a few of them.",
        "- Freshness check cost: the median of `show colostrum --json` with `--corpus` minus "
        "the median of the same command without it (65 bundled files), both from the same "
        "alternation.",
        "- Edit cost, two ways, each alternating with the same lookup with nothing changed: "
        "(1) before each timed run (untimed) a different corpus file is saved the way most "
        "editors save (new text written to a temporary file renamed over it), and the next "
        "`show colostrum --json` must notice and re-index it; (2) a line is appended in place "
        "to the file of the monograph that is then shown. The edits are undone afterwards.",
        "- Cold index: `medref --corpus C index --json` with an empty `MEDREF_CACHE_DIR` "
        f"(a new empty folder for every run), {cold_runs} run(s) on the {p:,}-file corpus "
        "(median reported) and 1 on each other size. The corpus files are in the page cache "
        "(they were just generated or scanned). The last build becomes the warm cache.",
        "- Peak RSS is taken with `os.wait4` on the medref process: Linux reports the "
        "largest peak RSS of that process and of every descendant it has reaped (its "
        "`ProcessPoolExecutor` workers), i.e. the biggest single process, not a sum. "
        "`getrusage(RUSAGE_CHILDREN)` deltas are not used: `ru_maxrss` there is a maximum over "
        "all children ever reaped, so it does not move when a later child is smaller. As a "
        f"second figure, a thread samples `/proc/PID/smaps_rollup` every {SAMPLE_EVERY * 1000:.0f}"
        " ms for medref and all its descendants and keeps the peak of their summed PSS "
        "(shared pages split between processes) and RSS.",
        "- Database size: the `index-*.sqlite` file the cold build wrote, against the bytes "
        "of every file it indexed (synthetic corpus plus the bundled monographs).",
        f"- Corpora: `benchmarks/gencorpus.py N DIR --seed {res.seed}`, about 6 KB per "
        "monograph, in per-letter folders.",
    ]

    tg = targets(res)
    lines += ["", "## Targets", ""]
    lines += md_table(
        ["what", "measured", "target", "result"],
        [[t.what, t.measured, t.goal, f"**{t.verdict}**"] for t in tg],
    )
    failed = [t for t in tg if t.ok is False]
    lines += ["", "## Targets not met", ""]
    if failed:
        for t in failed:
            keys = [key for key in LIMITS if key in t.what]  # the most specific key wins
            limit = LIMITS[max(keys, key=len)] if keys else "see above"
            lines += [f"- {t.what}: {t.figure} (target {t.goal}).", f"  - What limits it: {limit}"]
    else:
        lines.append("None.")
    if res.failures:
        lines += ["", "## Commands that failed", ""]
        lines += [f"- {f}" for f in res.failures]

    lines += ["", "## All measurements", ""]
    for g in res.groups:
        lines += [f"### {g.title}", ""]
        if g.load is not None:
            lines += [f"Load average (1 min) at the start: {g.load:.2f}.", ""]
        if g.error:
            lines += [f"Not measured: {g.error}", ""]
            continue
        rows = []
        for s in g.stats.values():
            r = g.ratio(s.key)
            rows.append([s.label, ms(s.median), ms(s.low), ms(s.high), f"{r:.2f}" if r else "-"])
        lines += md_table(["command", "median ms", "min ms", "max ms", "x reference"], rows)
        lines.append("")

    if res.colds:
        lines += ["### Cold index (empty cache)", ""]
        rows = []
        for size, c in sorted(res.colds.items()):
            secs = [r.seconds for r in c.runs]
            rows.append(
                [
                    f"{size:,}",
                    str(len(c.runs)),
                    f"{c.median:.2f}",
                    f"{min(secs):.2f}",
                    f"{max(secs):.2f}",
                    f"{c.maxrss_mb:.0f}",
                    f"{c.pss_sum_mb:.0f} / {c.rss_sum_mb:.0f}",
                    str(c.runs[-1].processes),
                    f"{c.db_bytes / 1e6:.1f}",
                    f"{c.corpus_bytes / 1e6:.1f}",
                    f"{c.db_bytes / c.corpus_bytes:.2f}",
                ]
            )
        lines += md_table(
            [
                "monographs",
                "runs",
                "median s",
                "min s",
                "max s",
                "peak RSS MB (wait4)",
                "sum PSS / RSS MB (sampled)",
                "processes",
                "db MB",
                "corpus MB",
                "db / corpus",
            ],
            rows,
        )
        lines.append("")

    lines += ["## Cost against corpus size", ""]
    if plot is not None:
        rel = os.path.relpath(plot, out.parent)
        lines += [f"![medref cost against corpus size]({rel})", ""]
    rows = []
    for size in res.sizes:
        sg = res.group(f"corpus {size}")
        sc = res.colds.get(size)

        def cell(key: str, sg: Group | None = sg) -> str:
            v = sg.median_ms(key) if sg else None
            return f"{v:.0f}" if v is not None else "-"

        rows.append(
            [
                f"{size:,}",
                cell(REF),
                cell("search"),
                cell("show_json"),
                cell("list_json"),
                cell("faq"),
                f"{sc.median:.2f}" if sc else "-",
            ]
        )
    lines += md_table(
        [
            "monographs",
            "reference ms",
            "search allergy ms",
            "show --json ms",
            "list --json ms",
            "faq ms",
            "cold index s",
        ],
        rows,
    )

    lines += ["", "## typer check", ""]
    if res.typer is None:
        lines.append("Not run (`--smoke` or `--no-typer-check`).")
    else:
        lines += [
            "A one-command Typer app, timed under the newest typer (installed with pip into a "
            "temporary venv) and under the typer installed with medref, in alternation "
            f"({res.runs} runs after a warm-up, medians):",
            "",
            f"    {res.typer.line}",
        ]
    lines += [
        "",
        "## Reproduce",
        "",
        "```sh",
        "pip install -e '.[bench]'",
        "python benchmarks/run.py            # full run: writes docs/benchmarks.md and .png",
        "python benchmarks/run.py --smoke    # about 30 s; what CI runs",
        "```",
        "",
    ]
    return "\n".join(lines)


def console_table(res: Results) -> str:
    tg = targets(res)
    w1 = max(len(t.what) for t in tg)
    w2 = max(len(t.measured) for t in tg)
    w3 = max(len(t.goal) for t in tg)
    lines = [f"{'what':<{w1}}  {'measured':<{w2}}  {'target':<{w3}}  result"]
    lines += [f"{t.what:<{w1}}  {t.measured:<{w2}}  {t.goal:<{w3}}  {t.verdict}" for t in tg]
    return "\n".join(lines)


def draw_plot(res: Results, path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("matplotlib is not installed: no plot (pip install -e '.[bench]')")
        return False
    groups = {s: g for s in res.sizes if (g := res.group(f"corpus {s}")) is not None}
    sizes = sorted(groups)
    if not sizes:
        return False
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    series = [
        ("search", "search allergy"),
        ("show_json", "show colostrum --json"),
        ("list_json", "list --json"),
        (REF, "reference (tldr -r page.md)"),
    ]
    for key, name in series:
        ys = [groups[s].median_ms(key) for s in sizes]
        style = "--" if key == REF else "-o"
        left.plot(sizes, ys, style, label=name)
    left.set_xscale("log")
    left.set_xlabel("monographs in the corpus")
    left.set_ylabel("median wall time per process (ms)")
    left.set_title("Warm commands")
    left.grid(True, which="both", alpha=0.3)
    left.legend()
    cold = [s for s in sizes if s in res.colds]
    right.plot(cold, [res.colds[s].median for s in cold], "-o", color="tab:red")
    right.set_xscale("log")
    right.set_xlabel("monographs in the corpus")
    right.set_ylabel("seconds")
    right.set_title("Cold index build (empty cache)")
    right.grid(True, which="both", alpha=0.3)
    fig.suptitle(f"medref cost against corpus size ({res.runs} runs per command, medians)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def dump_json(res: Results, path: Path) -> None:
    data = {
        "smoke": res.smoke,
        "runs": res.runs,
        "sizes": res.sizes,
        "primary": res.primary,
        "seconds": res.seconds,
        "groups": {
            g.name: {k: {"label": s.label, "times": s.times} for k, s in g.stats.items()}
            for g in res.groups
        },
        "cold": {str(k): [vars(r) for r in c.runs] for k, c in res.colds.items()},
        "targets": [vars(t) for t in targets(res)],
        "typer": vars(res.typer) if res.typer else None,
        "failures": res.failures,
        "source": {"start": res.source_start, "end": res.source_end, "snapshot": res.snapshot},
    }
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- driver


@contextlib.contextmanager
def step(res: Results, group: Group | None, what: str) -> Iterator[None]:
    """Record a failing command and go on with the next step."""
    try:
        yield
    except (CommandFailed, OSError, ValueError, KeyError) as exc:
        message = f"{what}: {exc}"
        log(f"FAILED {message}")
        res.failures.append(message)
        if group is not None:
            group.error = str(exc)
            if group not in res.groups:
                res.groups.append(group)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Measure medref as whole processes and write docs/benchmarks.md."
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="quick check (~30 s): 300-file corpus, 3 runs, no 50k, no plot, no typer check",
    )
    parser.add_argument("--runs", type=int, help=f"timed runs per command (default {DEFAULT_RUNS})")
    parser.add_argument(
        "--sizes",
        help="corpus sizes, comma-separated (default 1000,5000,10000,50000)",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "medref-bench",
        help="corpora and caches (default /tmp/medref-bench)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="report path (default docs/benchmarks.md; the work folder with --smoke)",
    )
    parser.add_argument("--seed", type=int, default=1, help="corpus seed (default 1)")
    parser.add_argument(
        "--snapshot",
        action="store_true",
        help="run medref from a copy of src/ taken at the start (others may edit src/ meanwhile)",
    )
    parser.add_argument(
        "--typer-check",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="time the newest typer against the installed one (default: on, off with --smoke)",
    )
    args = parser.parse_args(argv)
    if args.runs is None:
        args.runs = SMOKE_RUNS if args.smoke else DEFAULT_RUNS
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if not args.smoke and args.runs < MIN_RUNS:
        log(f"warning: fewer than {MIN_RUNS} runs per command; medians will be noisy")
    if args.sizes:
        try:
            args.sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
        except ValueError:
            parser.error("--sizes takes whole numbers separated by commas")
        if not args.sizes or min(args.sizes) < 1:
            parser.error("--sizes must be positive")
    else:
        args.sizes = [SMOKE_SIZE] if args.smoke else list(DEFAULT_SIZES)
    if args.out is None:
        args.out = (
            args.workdir / "benchmarks-smoke.md" if args.smoke else REPO / "docs" / "benchmarks.md"
        )
    if args.typer_check is None:
        args.typer_check = not args.smoke
    args.workdir = args.workdir.resolve()
    args.out = args.out.resolve()
    return args


# What stands between each missed target and its figure, as found by profiling
# (cProfile and -X importtime) on this 2-core machine.
LIMITS = {
    "rendered": (
        "importing rich.console (about 45 ms here, a quarter of the command) and "
        "platformdirs (about 12 ms, it imports tempfile) on top of Python's own start-up; "
        "the reference client renders with termcolor only. Between runs on this shared "
        "machine the ratio has moved between 1.00 x and 1.24 x."
    ),
    "show colostrum --json": (
        "Python start-up plus sqlite3, json and platformdirs (which imports tempfile); Typer "
        "is already skipped by the start-up fast path."
    ),
    "search allergy": (
        "FTS5's bm25() for every matching section (about 3.5 us each here; 'allergy' "
        "matches about 1,200 sections at 10,000 files), then snippets for the 10 shown."
    ),
    "faq colostrum": "importing Rich to lay the page out, as for the rendered lookup.",
    "list --json": "reading and writing one stored JSON entry per monograph (10,000 here).",
    "freshness": (
        "one stat() per corpus folder and per file shown; a full check (one stat() per "
        "file, about 5 ms per 1,000 files here) runs when the last one is over 30 s old."
    ),
    "edited": (
        "importing markdown-it-py (43-53 ms here in 5 runs, in a process that has already "
        "imported what a lookup needs; most of it dataclasses, logging and compiling its "
        "regular expressions) and PyYAML (16-25 ms) to re-parse the edited file; the parse "
        "itself takes a few ms, and no other file or folder is read. (A lookup of another "
        "monograph by id does not re-parse the edited file: the first command that needs "
        "it does, at this cost.)"
    ),
    "cold": (
        "markdown-it-py's pure-Python parser: 1.6-1.9 ms per 6 KB file for its block-level "
        "parse alone (inline rules off), 3.4-4.6 ms for a full parse, so 10,000 files need "
        "at least 8 s of the two cores before any indexing. On top: section, FAQ and row "
        "building in the two worker processes, and in the main process FTS5 tokenizing and "
        "inserting the text (2.2 s for the 10,000 files' 60 MB with no parsing at all, one "
        "thread, plus 0.5 s to merge the index). The target allows 0.9 ms of CPU per file "
        "for all of it."
    ),
    "C50k search": (
        "FTS5's bm25() over about 5,200 matching sections, four times as many as at 10,000 "
        "files, most of them on index pages the process has not read yet; before full "
        "builds merged the FTS5 index into one segment, three runs gave 1.40 x, 1.48 x and "
        "1.57 x."
    ),
    "database": (
        "measured with dbstat at 10,000 files: the FTS5 index 0.73 x the corpus, docs "
        "(compressed parsed monographs, list entries) 0.68 x, compressed section text 0.56 x."
    ),
}


def _compile_bytecode() -> None:
    """Compile medref's modules once, as an install would, so no run pays for it."""
    import compileall

    import medref

    compileall.compile_dir(str(Path(medref.__file__).parent), quiet=1)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    _compile_bytecode()
    for exe in (MEDREF, TLDR):
        if not exe.is_file():
            log(
                f"{exe} not found: install medref and tldr in this venv (pip install -e '.[bench]')"
            )
            return 2
    workdir: Path = args.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    sizes: list[int] = args.sizes
    primary = PRIMARY if PRIMARY in sizes else min(sizes, key=lambda s: abs(s - PRIMARY))
    res = Results(args.smoke, args.runs, sizes, primary, args.seed)
    res.commit = git_commit()
    res.source_start = source_digest()
    res.load_start = os.getloadavg()[0]
    if args.snapshot:
        src, res.snapshot = make_snapshot(workdir)
        PYTHONPATH[:] = [str(src)]
        log(f"measuring a snapshot of src/medref ({res.snapshot}) in {src}")
    warm = workdir / "cache-warm"
    shutil.rmtree(warm, ignore_errors=True)
    warm.mkdir(parents=True)

    g = Group("bundled", "Bundled monographs only (65 files)")
    with step(res, g, "bundled lookups"):
        run_once(Cmd("prep", "index", medref(None, "index"), medref_env(workdir, warm)), 0, False)
        res.groups.append(bundled_group(workdir, warm, args.runs))

    for size in sizes:
        with step(res, None, f"corpus {size}"):
            corpus, manifest = ensure_corpus(workdir, size, args.seed)
            res.corpora[size] = manifest
        if size not in res.corpora:
            continue
        cold_runs = COLD_RUNS if size == primary and not args.smoke else 1
        with step(res, None, f"cold index {size}"):
            res.colds[size] = cold_index(size, corpus, workdir, cold_runs, warm)
        g = Group(f"corpus {size}", f"{size:,} synthetic monographs")
        with step(res, g, f"warm commands on {size} monographs"):
            res.groups.append(size_group(size, corpus, workdir, warm, args.runs))
        if size == primary:
            g = Group(f"edit {size}", f"Next lookup after one file was edited ({size:,})")
            with step(res, g, f"edited-file lookups on {size} monographs"):
                res.groups.append(edit_group(size, corpus, workdir, warm, args.runs))

    if args.typer_check:
        with step(res, None, "typer check"):
            res.typer = typer_check(workdir, args.runs)

    res.seconds = time.perf_counter() - res.started
    res.source_end = source_digest()
    out: Path = args.out
    plot: Path | None = None
    if not args.smoke and draw_plot(res, out.with_suffix(".png")):
        plot = out.with_suffix(".png")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report(res, plot, out), encoding="utf-8")
    dump_json(res, workdir / ("results-smoke.json" if args.smoke else "results.json"))

    print(console_table(res))
    if res.typer is not None:
        print(res.typer.line)
    print(f"\nreport: {out}" + (f"\nplot:   {plot}" if plot else ""))
    print(f"took {res.seconds:.1f} s")
    if res.failures:
        print(f"{len(res.failures)} step(s) failed:", *res.failures, sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
