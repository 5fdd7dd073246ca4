"""A real pseudo-terminal, the pager, and shell completion."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import medref.index as index_mod
from conftest import monograph_text, read_pty, write
from medref.cli import complete_names, complete_sections
from medref.corpus import discover
from medref.index import open_index
from medref.output import pager_command


def run_in_pty(args: list[str], env: dict[str, str], rows: int = 24, cols: int = 80) -> str:
    """Run medref with stdout on a pty of the given size; return what reached the terminal."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "medref", *args],
        stdin=slave,
        stdout=slave,
        stderr=subprocess.PIPE,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    seen = read_pty(master)
    proc.wait(timeout=120)
    os.close(master)
    return seen.decode("utf-8", "replace")


def stub_pager(tmp_path: Path) -> tuple[str, Path]:
    record = tmp_path / "paged.txt"
    script = tmp_path / "pager.py"
    script.write_text(f"import sys\nopen({str(record)!r}, 'w').write(sys.stdin.read())\n")
    return f"{sys.executable} {script}", record


def test_pty_gets_colour_and_long_pages_go_through_the_pager(tmp_path: Path) -> None:
    pager, record = stub_pager(tmp_path)
    env = dict(os.environ, MEDREF_PAGER=pager, TERM="xterm-256color")
    run_in_pty(["show", "colostrum"], env)
    paged = record.read_text()
    assert "Colostrum" in paged and "\x1b[" in paged  # colours survive the pager
    assert "not medical advice" in paged


def test_short_output_is_not_paged_but_coloured(tmp_path: Path) -> None:
    pager, record = stub_pager(tmp_path)
    env = dict(os.environ, MEDREF_PAGER=pager, TERM="xterm-256color")
    screen = run_in_pty(["faq", "colostrum", "milk"], env)
    assert not record.exists()
    assert "milk allergy" in screen and "\x1b[" in screen


def test_no_pager_flag_and_json_never_page(tmp_path: Path) -> None:
    pager, record = stub_pager(tmp_path)
    env = dict(os.environ, MEDREF_PAGER=pager, TERM="xterm-256color")
    screen = run_in_pty(["--no-pager", "show", "colostrum"], env)
    assert "Colostrum" in screen and not record.exists()
    screen = run_in_pty(["show", "colostrum", "--json"], env)
    assert '"id": "colostrum"' in screen and not record.exists()


def test_pager_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    assert pager_command() == ["less", "-R"]
    monkeypatch.setenv("PAGER", "more -s")
    assert pager_command() == ["more", "-s"]
    monkeypatch.setenv("MEDREF_PAGER", "most")
    assert pager_command() == ["most"]


def ctx(corpus: list[str] | None = None) -> Any:
    root = SimpleNamespace(params={"corpus": corpus})
    return SimpleNamespace(find_root=lambda: root)


def test_completion_offers_ids_and_aliases() -> None:
    assert "colostrum" in complete_names(ctx(), "colo")
    assert "tylenol" in complete_names(ctx(), "tyl")
    assert "paracetamol" in complete_names(ctx(), "para")
    assert all(c.startswith("am") for c in complete_names(ctx(), "am"))


def test_completion_reads_the_index_without_refreshing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "c"
    write(root, "zeta.md", monograph_text("Zetamine"))
    open_index(discover([root])[0])
    write(root, "zulu.md", monograph_text("Zulumine"))  # not indexed yet

    def no_rebuild(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("completion must not scan or rebuild an existing index")

    monkeypatch.setattr(index_mod, "open_index", no_rebuild)
    offered = complete_names(ctx([str(root)]), "z")
    assert "zeta" in offered and "zulu" not in offered


def test_section_completion() -> None:
    assert complete_sections("do") == ["dosage", "dose", "doses", "dosing"]
    assert "side-effects" in complete_sections("side")
    assert complete_sections("disc") == ["disclaimer"]  # extra kinds that -s accepts


def test_shell_completion_protocol(tmp_path: Path) -> None:
    env = dict(
        os.environ, _MEDREF_COMPLETE="complete_bash", COMP_WORDS="medref show colo", COMP_CWORD="2"
    )
    out = subprocess.run(
        [sys.executable, "-m", "medref"], env=env, capture_output=True, text=True, timeout=120
    )
    assert "colostrum" in out.stdout.split()
    # Typer finds the shell from the parent processes (shellingham), not from $SHELL: run
    # from bash (": " keeps bash from exec'ing the command in its place).
    script = subprocess.run(
        ["bash", "-c", '"$0" -m medref --show-completion; :', sys.executable],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, SHELL="/bin/bash"),
    )
    assert "_MEDREF_COMPLETE" in script.stdout, script.stderr
