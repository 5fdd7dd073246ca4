"""Never a silent loss: output written whole or exit 4, a damaged cache that heals, an
unreadable file that hides nothing, nothing left behind, files that are not monographs."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import random
import resource
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import MEDREF, Proc, read_pty
from medref.corpus import discover
from medref.index import index_path
from synthetic import generate

# -- 1. output written whole, or exit 4 ------------------------------------------------------


def _file_size_limit(limit: int) -> Callable[[], None]:
    def setup() -> None:
        # Ignored, SIGXFSZ lets the write fail with EFBIG instead of killing the process.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return setup


def run_to_file(
    args: list[str], out: Path, *, limit: int | None = None, unbuffered: bool = False
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    with open(out, "w") as fh:
        return subprocess.run(
            [str(MEDREF), *args],
            stdout=fh,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            timeout=120,
            preexec_fn=_file_size_limit(limit) if limit else None,
            check=False,
        )


@pytest.mark.parametrize("unbuffered", [False, True])
@pytest.mark.parametrize(
    ("args", "limit"),
    [(["export"], 100 * 1024), (["show", "colostrum", "--json"], 8 * 1024)],
)
def test_a_file_size_limit_on_stdout_exits_4(
    tmp_path: Path, args: list[str], limit: int, unbuffered: bool
) -> None:
    out = tmp_path / "out"
    # First as a user's earlier command: the cache is up to date, so the limited run has
    # nothing to write but its output.
    assert run_to_file(args, out).returncode == 0
    proc = run_to_file(args, out, limit=limit, unbuffered=unbuffered)
    assert proc.returncode == 4, proc.stderr
    assert proc.stderr == "medref: cannot write the output: File too large\n"
    assert out.stat().st_size == limit  # it was cut short: the exit code says so


def test_a_file_size_limit_on_export_out_leaves_no_file(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "all.jsonl"
    # The cache cannot be written under this limit either: that is never damage. (When the
    # index is due a full check, which writes, it says it answers from memory.)
    proc = run_to_file(["export", "--out", str(target)], tmp_path / "stdout", limit=64 * 1024)
    assert proc.returncode == 4
    *before, last = proc.stderr.splitlines()
    assert last.startswith(f"medref: cannot write '{target}': File too large;")
    assert all("using a temporary in-memory index" in line for line in before), before
    assert len(before) <= 1 and "damaged" not in proc.stderr
    assert os.listdir(folder) == []  # no half file, no temporary file


def test_a_small_full_file_system_exits_4(tmp_path: Path) -> None:
    """A real file system with less room than the output needs (a tmpfs of 128 KB)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("the small-file-system variant needs unshare(1) to mount a private tmpfs")
    small = tmp_path / "small"
    small.mkdir()
    # A private mount namespace (as an unprivileged user too, with -r): the mount disappears
    # with the process, whatever happens to the test.
    script = 'mount -t tmpfs -o size=128k medref-test "$1" || exit 99; shift; exec "$@" > "$0"'
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    proc = subprocess.run(
        [unshare, "-rm", "sh", "-c", script, str(small / "out"), str(small), str(MEDREF), "export"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    if proc.returncode == 99 or "unshare failed" in proc.stderr:
        pytest.skip(f"this machine does not allow a private tmpfs mount: {proc.stderr.strip()}")
    assert proc.returncode == 4, proc.stderr
    assert proc.stderr == "medref: cannot write the output: No space left on device\n"


def test_a_closed_stdout_is_exit_4_for_commands_that_write_to_it() -> None:
    def closed(command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            f"{MEDREF} {command} >&-",
            shell=True,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    shown = closed("show colostrum")
    assert shown.returncode == 4
    assert shown.stderr == "medref: cannot write the output: standard output is closed\n"
    # A command with nothing for stdout says what it says on stderr, as before.
    missed = closed("search zzqqxx")
    assert missed.returncode == 1 and missed.stderr == "medref: no results for 'zzqqxx'\n"


def test_a_reader_that_quits_early_is_a_quiet_exit() -> None:
    proc = subprocess.run(
        f"{MEDREF} export | head -c 100 >/dev/null; echo ${{PIPESTATUS[0]}}",
        shell=True,
        executable="/bin/bash",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.stderr == ""
    assert proc.stdout.strip() == str(128 + signal.SIGPIPE)  # killed by SIGPIPE, like cat


# -- 2. a damaged cache heals itself -----------------------------------------------------------


def cache_file() -> Path:
    return index_path(discover([])[0])


def overwrite_pages(path: Path, tables: tuple[str, ...]) -> int:
    """Overwrite every page of these tables (and their indexes) with junk, as a failing disk
    or a stray write would; returns how many pages were hit."""
    conn = sqlite3.connect(path)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    marks = ",".join("?" * len(tables))
    pages = [
        n
        for (n,) in conn.execute(
            f"SELECT pageno FROM dbstat WHERE name IN ({marks})"
            f" OR name IN (SELECT name FROM sqlite_schema WHERE tbl_name IN ({marks}))",
            tables * 2,
        )
    ]
    conn.close()
    junk = random.Random(7)
    with open(path, "r+b") as fh:
        for n in pages:
            fh.seek((n - 1) * page_size)
            fh.write(junk.randbytes(page_size))
    return len(pages)


def spoil_blob(path: Path, sql: str) -> None:
    """Overwrite the middle of one stored compressed value where it lies in the file."""
    conn = sqlite3.connect(path)
    (blob,) = conn.execute(sql).fetchone()
    conn.close()
    data = path.read_bytes()
    start = blob[:64]  # a long value continues on overflow pages: its start is in one piece
    assert data.count(start) == 1
    with open(path, "r+b") as fh:
        fh.seek(data.index(start) + 16)
        fh.write(bytes(b ^ 0x5A for b in blob[16:40]))


DAMAGED = "medref: warning: the index cache was damaged ("

COMMANDS = [
    ["show", "colostrum", "--json"],
    ["faq", "colostrum", "--json"],
    ["export", "ibuprofen"],
    ["compare", "ibuprofen", "acetaminophen", "--json"],
    ["search", "allergy", "--json"],
    ["list", "--json"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: a[0])
def test_damaged_pages_are_rebuilt_once_and_the_command_answers(
    medref: Callable[..., Proc], args: list[str]
) -> None:
    expected = medref(*args)
    assert expected.code == 0 and expected.err == ""
    assert overwrite_pages(cache_file(), ("docs", "sectext", "names")) > 10
    healed = medref(*args)
    assert healed.code == 0
    assert healed.out == expected.out
    assert healed.err.startswith(DAMAGED) and healed.err.endswith("; rebuilding it\n")
    assert len(healed.err.splitlines()) == 1
    again = medref(*args)
    assert (again.code, again.out, again.err) == (0, expected.out, "")


def test_medref_index_rebuilds_a_damaged_cache(medref: Callable[..., Proc]) -> None:
    overwrite_pages(cache_file(), ("docs", "folders"))
    info = medref("index", "--json")
    assert info.code == 0 and info.json()["monographs"] == 106
    assert info.err.startswith(DAMAGED) and len(info.err.splitlines()) == 1


def spoil_text(path: Path, sql: str, passage: str) -> None:
    """Overwrite a passage of one stored text, where it lies in the file, with bytes that are
    not UTF-8."""
    conn = sqlite3.connect(path)
    (text,) = conn.execute(sql).fetchone()
    conn.close()
    value, junk = text.encode(), passage.encode()
    data = path.read_bytes()
    start = data.index(value[:64])  # a long value continues on overflow pages
    at = start + value.index(junk)
    assert data.count(value[:64]) == 1 and data[at : at + len(junk)] == junk  # on one page
    with open(path, "r+b") as fh:
        fh.seek(at)
        fh.write(b"\xff" * len(junk))


def test_a_stored_monograph_that_does_not_decompress_is_damage(
    medref: Callable[..., Proc],
) -> None:
    """A monograph kept by an earlier `show` (docs.data) is compressed."""
    expected = medref("show", "colostrum", "--json")
    assert expected.code == 0
    spoil_blob(cache_file(), "SELECT data FROM docs WHERE id='colostrum'")
    healed = medref("show", "colostrum", "--json")
    assert healed.code == 0, healed.err
    assert healed.out == expected.out
    assert healed.err.startswith(DAMAGED) and len(healed.err.splitlines()) == 1


def test_section_text_that_is_not_utf8_is_damage(medref: Callable[..., Proc]) -> None:
    """Section text is stored as written: where its bytes are damaged in the snippet that
    search shows, the index is rebuilt and the search answers (it used to fail with a
    traceback). The warning names what is wrong, not the garbled text."""
    expected = medref("search", "colostrum", "--json")
    assert expected.code == 0
    hit = expected.json()["results"][0]
    # Words between two matches: spoiling them leaves the snippet where it is.
    passage = hit["snippet"].split("**")[2].strip()[:20]
    assert len(passage) == 20
    spoil_text(
        cache_file(),
        "SELECT t.body FROM sectext t JOIN secmeta s ON s.rowid = t.rowid"
        " WHERE t.rowid >> 16 = (SELECT doc FROM docs WHERE id='colostrum')"
        f" AND s.key = '{hit['section']}' AND s.part = 0",
        passage,
    )
    healed = medref("search", "colostrum", "--json")
    assert healed.code == 0, healed.err
    assert healed.out == expected.out
    assert healed.err == f"{DAMAGED}stored text is not UTF-8); rebuilding it\n"


def test_a_damaged_full_text_table_setting_is_damage(medref: Callable[..., Proc]) -> None:
    """A damaged fts_config page makes SQLite fail the table's constructor: a rebuild mends it
    (it used to fail every search, with show and list still working, until --rebuild)."""
    expected = medref("search", "allergy", "--json")
    assert expected.code == 0
    overwrite_pages(cache_file(), ("fts_config",))
    healed = medref("search", "allergy", "--json")
    assert healed.code == 0, healed.err
    assert healed.out == expected.out
    assert healed.err.startswith(DAMAGED) and len(healed.err.splitlines()) == 1


def test_a_stored_listing_that_does_not_decode_is_damage(medref: Callable[..., Proc]) -> None:
    """`list --json` writes stored listings as they are: one that is not JSON is damage, never
    output."""
    expected = medref("list", "--json")
    assert expected.code == 0
    conn = sqlite3.connect(cache_file())
    with conn:
        conn.execute("UPDATE docs SET listing='{\"id\": ' WHERE id='colostrum'")
    conn.close()
    healed = medref("list", "--json")
    assert healed.code == 0, healed.err
    assert json.loads(healed.out) == json.loads(expected.out)
    assert healed.err.startswith(DAMAGED) and len(healed.err.splitlines()) == 1


def test_a_locked_cache_is_not_damage(medref: Callable[..., Proc]) -> None:
    """Another process holds the index for longer than medref waits: it answers without the
    cache, and never replaces the file."""
    medref("list")
    path = cache_file()
    before = path.stat().st_ino, path.read_bytes()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        # The installed entry point, with a short busy timeout (30 s in use).
        code = (
            "import sys, medref.index.schema as s; s.BUSY_TIMEOUT_MS = 200;"
            " from medref.entry import main; sys.argv[0] = 'medref'; main()"
        )
        proc = subprocess.run(
            [sys.executable, "-c", code, "show", "colostrum", "--json"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert proc.returncode == 0 and json.loads(proc.stdout)["id"] == "colostrum"
    assert "damaged" not in proc.stderr and "database is locked" in proc.stderr
    assert len(proc.stderr.splitlines()) == 1
    assert (path.stat().st_ino, path.read_bytes()) == before


# -- 4. nothing left behind --------------------------------------------------------------------


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough synthetic monographs for a build that is still running well after the progress
    bar appears (a second in): 1,200 files, then 3,000, came to about a second as builds got
    faster."""
    root = tmp_path_factory.mktemp("big") / "syn"
    generate(root, 6000, seed=5)
    return root


def wait_for(check: Callable[[], bool], proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while not check():
        assert proc.poll() is None, "the build ended before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.02)


def start_build(corpus: Path, **kwargs: object) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
        [str(MEDREF), "--corpus", str(corpus), "list"], **kwargs
    )


@pytest.mark.cold_cache
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_a_killed_build_leaves_nothing_that_the_next_build_keeps(
    big_corpus: Path, medref: Callable[..., Proc], sig: int
) -> None:
    cache = Path(os.environ["MEDREF_CACHE_DIR"])
    proc = start_build(big_corpus, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_for(lambda: bool(list(cache.glob("*.tmp"))), proc)
    proc.send_signal(sig)
    _out, err = proc.communicate(timeout=60)
    leftovers = list(cache.glob("*.tmp"))
    if sig == signal.SIGTERM:
        assert proc.returncode == 128 + signal.SIGTERM and err == b""
        assert leftovers == []  # it cleaned up after itself
        return
    assert proc.returncode == -signal.SIGKILL and len(leftovers) == 1
    # Leftovers of other corpus sets: one too young to judge, one whose build is live (it
    # holds the lock), both kept; the old, unlocked one goes.
    young = cache / "index-00000000000000aa.sqlite.4242.young.tmp"
    live = cache / "index-00000000000000bb.sqlite.4243.live.tmp"
    young.write_bytes(b"x")
    live.write_bytes(b"x")
    hour_ago = time.time() - 3700
    for old in (leftovers[0], live):
        os.utime(old, (hour_ago, hour_ago))
    with open(cache / "index-00000000000000bb.sqlite.lock", "w") as lock:
        fcntl.lockf(lock, fcntl.LOCK_EX)
        rebuilt = medref("index", "--rebuild", "--json")  # the bundled set: another one
    assert rebuilt.code == 0, rebuilt.err
    assert sorted(cache.glob("*.tmp")) == [young, live]


@pytest.mark.cold_cache
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_during_the_progress_bar_restores_the_terminal(big_corpus: Path, sig: int) -> None:
    master, slave = pty.openpty()
    proc = start_build(
        big_corpus,
        stdout=subprocess.DEVNULL,
        stderr=slave,
        # A shell starts background jobs with SIGINT ignored, and Python keeps it so.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    os.close(slave)
    seen = bytearray()

    def bar_shown() -> bool:
        if select.select([master], [], [], 0.05)[0]:
            seen.extend(os.read(master, 65536))
        return HIDE_CURSOR in seen

    wait_for(bar_shown, proc)
    proc.send_signal(sig)
    seen.extend(read_pty(master, 60))
    os.close(master)
    assert proc.wait(timeout=60) == 128 + sig
    assert seen.rindex(SHOW_CURSOR) > seen.rindex(HIDE_CURSOR)
    assert b"Traceback" not in seen
    assert not list(Path(os.environ["MEDREF_CACHE_DIR"]).glob("*.tmp"))


HIDE_CURSOR = b"\x1b[?25l"
SHOW_CURSOR = b"\x1b[?25h"


# -- 3. one unreadable file does not hide another ----------------------------------------------


def without_root_file_access() -> None:
    """Run as a user whom file modes bind. As root: drop the capabilities that bypass them
    (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH) from the bounding set before exec, so the process
    stays root for everything else. (Switching to `nobody` would lock it out of a Python
    installed under /root, as here.)"""
    if os.geteuid() != 0:
        return
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    pr_capbset_drop = 24
    for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(pr_capbset_drop, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def test_an_unreadable_override_hides_nothing(tmp_path: Path) -> None:
    corpus = tmp_path / "mine"
    corpus.mkdir()
    override = corpus / "aspirin.md"
    override.write_text('---\ntitle: "My Aspirin"\n---\n# My Aspirin\n### Usage\nMine.\n')

    def show() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(MEDREF), "--corpus", str(corpus), "show", "aspirin", "--json"],
            capture_output=True,
            text=True,
            timeout=120,
            preexec_fn=without_root_file_access,
            check=False,
        )

    def title(proc: subprocess.CompletedProcess[str]) -> str:
        assert proc.returncode == 0, proc.stderr
        return str(json.loads(proc.stdout)["title"])

    denied = f"medref: warning: {override}: permission denied; skipped\n"
    assert title(show()) == "My Aspirin"
    override.chmod(0)
    first = show()
    assert title(first) == "Aspirin" and first.stderr == denied  # the bundled one, said once
    second = show()
    assert title(second) == "Aspirin" and second.stderr == ""
    override.chmod(0o644)  # its folder does not change: the next command notices anyway
    back = show()
    assert title(back) == "My Aspirin" and back.stderr == ""
    override.chmod(0)  # unreadable again: noticed by the next command that shows it
    again = show()
    assert title(again) == "Aspirin" and again.stderr == denied
