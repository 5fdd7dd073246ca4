"""Whole-process benchmarks of medref, each against a reference, written to docs/benchmarks.md.

    python benchmarks/run.py [--smoke] [--only NAME ...] [--pairs N] [--scale F] [--out PATH]

Each case of benchmarks/cases.py runs its command and its reference in alternation, one
untimed warm-up pair and then --pairs timed pairs, and compares medians. A short runner of
its own rather than pyperf: pyperf's command mode times one command at a time, so two
commands could not alternate, and a ratio would compare runs minutes apart on a shared
machine. --smoke runs every case on tiny corpora with 3 pairs and writes its report to the
work folder; any run exits non-zero only when a command fails, never on a timing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import hashlib
import importlib.metadata
import importlib.util
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
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import IO

from cases import CASES, Case, Cmd, Corpus

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
BIN = Path(sys.executable).parent  # the venv's console scripts: medref and tldr
DROP = ("MEDREF_", "TLDR", "PYTHON", "PAGER", "NO_COLOR", "FORCE_COLOR")  # variable prefixes
UNITS = {"seed": "files", "label": "files", "large": "bytes", "list": "items"}
TIMEOUT = 1800  # seconds before a measured process is killed


class Failed(Exception):
    """A command exited non-zero or printed the wrong thing."""


@dataclass
class Result:
    """The timed runs of one case: seconds and peak RSS (MB) of each run."""

    case: Case
    times: list[float] = field(default_factory=list)
    rss: list[float] = field(default_factory=list)
    ref_times: list[float] = field(default_factory=list)
    error: str | None = None


def log(message: str) -> None:
    """Progress, to stderr."""
    print(message, file=sys.stderr, flush=True)


@functools.cache
def synthetic() -> ModuleType:
    """tests/synthetic.py, loaded by path (the tests do not import benchmark code)."""
    spec = importlib.util.spec_from_file_location("synthetic", REPO / "tests" / "synthetic.py")
    assert spec and spec.loader
    module = sys.modules["synthetic"] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_corpus(corpus: Corpus, size: int, work: Path) -> Path:
    """Generate the corpus into the work folder, or reuse it if its recipe has not changed."""
    root = work / "corpus" / f"{corpus.name}-{size}"
    stamp = root.with_suffix(".stamp")
    recipe = hashlib.sha256((REPO / "tests" / "synthetic.py").read_bytes())
    for path in sorted((REPO / "monographs").glob("*.md")):
        recipe.update(path.read_bytes())
    key = f"{corpus.kind} {size} {recipe.hexdigest()}"
    if stamp.exists() and stamp.read_text() == key:
        return root
    shutil.rmtree(root, ignore_errors=True)
    log(f"generating {corpus.kind} corpus of {size:,} in {root}")
    syn = synthetic()
    if corpus.kind in ("seed", "label"):
        syn.generate(root, size, seed=1, label_sized=corpus.kind == "label")
    elif corpus.kind == "large":
        syn.large_monograph(root, size)
    else:
        syn.list_monograph(root, size)
    stamp.write_text(key)
    return root


def environment(
    work: Path, cache: Path, corpus: Path | None, extra: dict[str, str]
) -> dict[str, str]:
    """A clean environment: the venv first on PATH, our own cache, MEDREF_PATH for the corpus."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(DROP)}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["XDG_DATA_HOME"] = str(work / "empty")  # no user monographs
    env["COLUMNS"] = "100"
    env["MEDREF_CACHE_DIR"] = str(cache)
    if corpus is not None:
        env["MEDREF_PATH"] = str(corpus)
    return env | extra


def check(cmd: Cmd, code: int, out: bytes, err: bytes) -> None:
    """Raise Failed unless the command exited 0 and printed what its check asks for."""
    problem = None
    if code != 0:
        last = err.decode(errors="replace").strip().splitlines()[-1:] or [""]
        problem = f"exit status {code} {last[0][:200]}"
    elif cmd.check == "text" and not out.strip():
        problem = "printed nothing"
    elif cmd.check == "colour" and b"\x1b[" not in out:
        problem = "printed no colour codes"
    elif cmd.check == "json":
        try:
            json.loads(out)
        except ValueError as exc:
            problem = f"output is not JSON ({exc})"
    if problem:
        raise Failed(f"`{cmd.line}`: {problem}")


class Drain(threading.Thread):
    """Reads a pipe to its end, so a process never blocks on a full pipe."""

    def __init__(self, stream: IO[bytes] | None) -> None:
        super().__init__(daemon=True)
        self.stream, self.data = stream, b""
        self.start()

    def run(self) -> None:
        if self.stream is not None:
            self.data = self.stream.read()
            self.stream.close()

    def result(self) -> bytes:
        """Everything read, once the pipe is closed."""
        self.join()
        return self.data


def execute(cmd: Cmd, env: dict[str, str], fill: dict[str, str]) -> tuple[float, float]:
    """Run cmd (parallel copies at once); return its wall seconds and largest peak RSS in MB."""
    cache = Path(env["MEDREF_CACHE_DIR"])
    if cmd.cold:
        shutil.rmtree(cache, ignore_errors=True)
    cache.mkdir(parents=True, exist_ok=True)
    if cmd.before:
        execute(Cmd(cmd.before), env, fill)
    argv = [w.format(**fill) for w in cmd.line.split()]
    argv[0] = sys.executable if argv[0] == "python" else str(BIN / argv[0])
    start = time.perf_counter()
    procs = [
        subprocess.Popen(
            argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(cmd.parallel)
    ]
    outs = [Drain(p.stdout) for p in procs]
    errs = [Drain(p.stderr) for p in procs]
    timers = [threading.Timer(TIMEOUT, p.kill) for p in procs]
    for timer in timers:
        timer.start()
    peak = 0
    for proc in procs:
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        peak = max(peak, usage.ru_maxrss)  # kB on Linux
    elapsed = time.perf_counter() - start
    for timer in timers:
        timer.cancel()
    for proc, out, err in zip(procs, outs, errs, strict=True):
        check(cmd, proc.returncode, out.result(), err.result())
    return elapsed, peak / 1024


def run_case(case: Case, pairs: int, size: int | None, work: Path) -> Result:
    """Prepare the case, then time its command and reference in alternating order."""
    res = Result(case)
    corpus = make_corpus(case.corpus, size, work) if case.corpus and size else None
    fill = {
        "page": str(BENCH / "page.md"),
        "bench": str(BENCH),
        "corpus": str(corpus),
        "db": str(work / "cache" / f"{case.name}-ref" / "bare.sqlite"),
    }
    warm = work / "cache" / (corpus.name if corpus else "bundled")  # shared by cases

    def env_for(cmd: Cmd, role: str) -> dict[str, str]:
        cache = work / "cache" / f"{case.name}-{role}" if cmd.cold else warm
        return environment(work, cache, corpus, dict(cmd.env))

    for line in case.prepare:
        execute(Cmd(line), env_for(Cmd(line), "prep"), fill)
    jobs = [(case.cmd, env_for(case.cmd, "cmd"), res.times, res.rss)]
    if case.ref is not None:
        jobs.append((case.ref, env_for(case.ref, "ref"), res.ref_times, []))
    for i in range(min(pairs, case.pairs or pairs) + 1):
        for cmd, env, times, rss in jobs if i % 2 else jobs[::-1]:
            seconds, mb = execute(cmd, env, fill)
            if i > 0:  # the first pair warms up
                times.append(seconds)
                rss.append(mb)
    return res


def fmt(seconds: float) -> str:
    """Seconds as ms below one second."""
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def rows(res: Result) -> list[list[str]]:
    """One report row per limit of the case."""
    case, out = res.case, []
    for limit in case.limits:
        row = [f"`{case.name}`", case.what, "", "", "", str(limit), ""]
        if res.error:
            row[2], row[6] = res.error.replace("|", "/"), "ERROR"
        elif not res.times:
            row[2], row[6] = "not run", "-"
        else:
            med = statistics.median(res.times)
            ref = statistics.median(res.ref_times) if res.ref_times else None
            value = {"x": med / ref if ref else 0.0, "s": med, "MB": max(res.rss)}[limit.unit]
            row[2] = f"{max(res.rss):.0f} MB peak" if limit.unit == "MB" else fmt(med)
            row[3] = fmt(ref) if ref and limit.unit != "MB" else "-"
            row[4] = f"{med / ref:.2f}x" if ref and limit.unit != "MB" else "-"
            row[6] = "PASS" if value <= limit.value else "**FAIL**"
        out.append(row)
    return out


def shown(cmd: Cmd) -> str:
    """A command as the report shows it."""
    line = cmd.line.format(page="benchmarks/page.md", bench="benchmarks", corpus="CORPUS", db="DB")
    env = "".join(f"{k}={v} " for k, v in cmd.env)
    copies = f" x{cmd.parallel} at once" if cmd.parallel > 1 else ""
    before = f" (after `{shown(Cmd(cmd.before))[1:-1]}`)" if cmd.before else ""
    return f"`{env}{line}`{copies}" + (" (cold)" if cmd.cold else "") + before


def git(*args: str) -> str:
    """Output of a git command in the repository, or '' if it fails."""
    proc = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=False)
    return proc.stdout.strip() if proc.returncode == 0 else ""


def report(
    results: list[Result], args: argparse.Namespace, head: dict[str, str], sizes: dict[str, int]
) -> str:
    """The Markdown report."""
    table = [
        "| case | what | measured | reference | ratio | limit | result |",
        "|---|---|---|---|---|---|---|",
    ]
    table += ["| " + " | ".join(r) + " |" for res in results for r in rows(res)]
    cmds = ["| case | command | reference | corpus | prepared by | pairs |", "|---" * 6 + "|"]
    for res in results:
        c = res.case
        corpus = f"{c.corpus.kind}, {sizes[c.name]:,} {UNITS[c.corpus.kind]}" if c.corpus else ""
        cmd, ref = shown(c.cmd), shown(c.ref) if c.ref else "-"
        prep = ", ".join(f"`{line}`" for line in c.prepare) or "-"
        row = [f"`{c.name}`", cmd, ref, corpus or "bundled", prep, str(len(res.times))]
        cmds.append("| " + " | ".join(row) + " |")
    return "\n".join(
        [
            "# medref benchmarks",
            "",
            f"Written by `{head['argv']}` on {head['date']} in {head['took']}, at commit "
            f"`{head['commit']}` ({head['dirty']}).",
            "",
            "## Machine",
            "",
            f"- {head['cores']} cores ({head['cpu']}), load average {head['load']} at the start",
            f"- {head['python']}, SQLite {sqlite3.sqlite_version}",
            f"- {head['versions']}",
            "",
            "## Method",
            "",
            "- Whole processes through the venv's console scripts (`medref`, `tldr`), output to "
            "pipes, `COLUMNS=100`, `MEDREF_CACHE_DIR` in the work folder, `MEDREF_PATH` "
            "selecting the synthetic corpus (made by `tests/synthetic.py` from the bundled "
            "monographs, in per-letter folders; the bundled ones are indexed too).",
            f"- Per case: untimed `prepare` commands, one untimed warm-up pair, then up to "
            f"{args.pairs} timed pairs of command and reference, the order swapped every pair. "
            "Figures are medians of wall time; ratio = median / reference median.",
            "- (after `X`): X runs, untimed, before every timed run. "
            "(cold): the cache (or the reference's database) is emptied before every run. "
            "x5 at once: five processes started together, timed until the last exits.",
            "- Peak RSS: `ru_maxrss` from `os.wait4` of each medref process (its largest "
            "process, pool workers included), the largest over the timed runs.",
            "- Reference for cold builds: `benchmarks/bare_insert.py`, each corpus file as one "
            "row of a bare FTS5 table, one process, one transaction.",
            "",
            "## Results",
            "",
            *table,
            "",
            "## Cases",
            "",
            *cmds,
            "",
            "Reproduce: `pip install -e '.[bench]' && python benchmarks/run.py` "
            "(`--only NAME`, `--pairs N`, `--scale F`; `--smoke` is what CI runs).",
            "",
        ]
    )


def cpu_model() -> str:
    """The processor's model name from /proc/cpuinfo, or the machine type."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        lines = []
    names = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    return names[0] if names else platform.machine()


def versions() -> str:
    """Installed versions of medref and the packages that decide its start-up."""
    out = []
    for name in ("medref", "typer", "rich", "markdown-it-py", "tldr"):
        try:
            out.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            out.append(f"{name} missing")
    return ", ".join(out)


def main(argv: list[str] | None = None) -> int:
    """Run the chosen cases, write the report, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--smoke", action="store_true", help="tiny corpora, 3 pairs")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these cases")
    parser.add_argument("--pairs", type=int, help="timed pairs per case (default 15)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply corpus sizes")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "medref-bench")
    parser.add_argument("--out", type=Path, help="report (default docs/benchmarks.md)")
    args = parser.parse_args(argv)
    args.pairs = args.pairs or (3 if args.smoke else 15)
    if args.pairs < 1 or args.scale <= 0:
        parser.error("--pairs and --scale must be positive")
    names = {c.name for c in CASES}
    if args.only and not set(args.only) <= names:
        parser.error(f"unknown case; choose from {', '.join(sorted(names))}")
    work: Path = args.work.resolve()
    shutil.rmtree(work / "cache", ignore_errors=True)  # every run builds its own indexes
    (work / "empty").mkdir(parents=True, exist_ok=True)
    out = args.out or (work / "benchmarks-smoke.md" if args.smoke else REPO / "docs/benchmarks.md")
    head = {
        "argv": " ".join(["python benchmarks/run.py", *(argv or sys.argv[1:])]),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": git("rev-parse", "--short", "HEAD") or "unknown",
        "dirty": "tree dirty" if git("status", "--porcelain") else "tree clean",
        "cores": str(os.cpu_count()),
        "cpu": cpu_model(),
        "load": f"{os.getloadavg()[0]:.2f}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "versions": versions(),
    }
    sizes: dict[str, int] = {}
    started = time.perf_counter()
    results = []
    for case in CASES:
        res = Result(case)
        if case.corpus:
            full = case.corpus.smoke if args.smoke else case.corpus.size
            sizes[case.name] = max(1, round(full * args.scale))
        if not args.only or case.name in args.only:
            log(f"[{case.name}] {case.what}")
            try:
                res = run_case(case, args.pairs, sizes.get(case.name), work)
            except Failed as exc:
                res.error = str(exc)
                log(f"  FAILED {exc}")
            for line in rows(res):
                log(f"  {line[2]} vs {line[3]} ({line[4]}), limit {line[5]}: {line[6]}")
        results.append(res)
    head["took"] = f"{time.perf_counter() - started:.0f} s"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report(results, args, head, sizes), encoding="utf-8")
    for res in results:
        for r in rows(res):
            print(f"{r[0][1:-1]:14} {r[2]:>16} {r[3]:>9} {r[4]:>6} {r[5]:>10}  {r[6]}")
    print(f"report: {out}")
    return 1 if any(res.error for res in results) else 0


if __name__ == "__main__":
    sys.exit(main())
