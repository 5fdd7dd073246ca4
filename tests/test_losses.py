"""Never a silent loss: output written whole or exit 4, a damaged cache that heals, an
unreadable file that hides nothing, nothing left behind, files that are not monographs."""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import MEDREF

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
    proc = run_to_file(args, out, limit=limit, unbuffered=unbuffered)
    assert proc.returncode == 4, proc.stderr
    assert proc.stderr == "medref: cannot write the output: File too large\n"
    assert out.stat().st_size == limit  # it was cut short: the exit code says so


def test_a_file_size_limit_on_export_out_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "all.jsonl"
    proc = run_to_file(["export", "--out", str(target)], tmp_path / "stdout", limit=64 * 1024)
    assert proc.returncode == 4
    assert proc.stderr.startswith(f"medref: cannot write '{target}': File too large;")
    assert len(proc.stderr.splitlines()) == 1
    assert not target.exists() and os.listdir(tmp_path) == ["stdout"]


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
        [unshare, "-rm", "sh", "-c", script, str(small / "out"), str(small), str(MEDREF)]
        + ["export"],
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
