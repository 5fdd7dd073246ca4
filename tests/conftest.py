"""Shared fixtures: every test runs with its own cache and user folders, never the real home."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from typer.testing import CliRunner

from medref.cli import app

# Property tests: a short run by default and in CI; HYPOTHESIS_PROFILE=fuzz for the long run.
settings.register_profile("ci", max_examples=150, deadline=None)
settings.register_profile(
    "fuzz", max_examples=10_000, deadline=None, suppress_health_check=list(HealthCheck)
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

FIXTURES = Path(__file__).parent / "fixtures"
VARIANTS = FIXTURES / "variants"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="Rewrite golden files from the current output, on purpose.",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session")
def bundled_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled monographs' index, built once per session (copied into each test's cache)."""
    from medref.corpus import Corpus, bundled_dir
    from medref.index import index_path, open_index

    cache = tmp_path_factory.mktemp("bundled-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MEDREF_CACHE_DIR", str(cache))
        ix = open_index([Corpus(bundled_dir(), "bundled")])
        ix.conn.close()
        return index_path([Corpus(bundled_dir(), "bundled")])


@pytest.fixture(autouse=True)
def isolated(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
    bundled_index: Path,
) -> Iterator[Path]:
    cache = tmp_path / "cache"
    if "cold_cache" not in request.keywords:
        # Most tests read the bundled monographs: start them from the session's index, as
        # a user's second command does. Tests of the first build are marked cold_cache.
        cache.mkdir()
        shutil.copy2(bundled_index, cache / bundled_index.name)
    monkeypatch.setenv("MEDREF_CACHE_DIR", str(cache))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    for var in (
        "NO_COLOR",
        "FORCE_COLOR",
        "COLUMNS",
        "LINES",
        "MEDREF_PATH",
        "MEDREF_PAGER",
        "PAGER",
    ):
        monkeypatch.delenv(var, raising=False)
    yield cache


@pytest.fixture(scope="session")
def variants_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The index of `--corpus tests/fixtures/variants` (with the bundled monographs), built
    once per session."""
    from medref.corpus import discover
    from medref.index import index_path, open_index

    cache = tmp_path_factory.mktemp("variants-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MEDREF_CACHE_DIR", str(cache))
        mp.setenv("XDG_DATA_HOME", str(cache / "no-user-data"))
        mp.delenv("MEDREF_PATH", raising=False)
        corpora, _ = discover([VARIANTS])
        open_index(corpora).conn.close()
        return index_path(corpora)


@pytest.fixture
def variants_cache(isolated: Path, variants_index: Path) -> Path:
    """This test's cache starts with the variants' index, as with the bundled one."""
    shutil.copy2(variants_index, isolated / variants_index.name)
    return isolated


class Run:
    """The result of one CliRunner invocation, with JSON helpers."""

    def __init__(self, result: Any) -> None:
        self.code: int = result.exit_code
        self.out: str = result.stdout
        self.err: str = result.stderr
        self.exception = result.exception

    def json(self) -> Any:
        return json.loads(self.out)

    def err_json(self) -> Any:
        return json.loads(self.err)


@pytest.fixture
def run() -> Callable[..., Run]:
    runner = CliRunner()

    def invoke(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Run:
        result = runner.invoke(app, list(args), env=env, input=input)
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Run(result)

    return invoke


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def monograph_text(title: str, body: str = "", **front: Any) -> str:
    lines = ["---", f"title: {json.dumps(title)}"]
    for key, value in front.items():
        lines.append(f"{key}: {json.dumps(value)}")
    lines.append("---")
    return "\n".join(lines) + f"\n# {title}\n" + (body or "### Usage\nSome usage text.\n")


def read_pty(master: int, seconds: float = 120) -> bytes:
    """Everything a child writes to a pseudo-terminal until it closes it (or time runs out)."""
    chunks: list[bytes] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            data = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks)


# The installed console script, as a user runs it: next to this Python in its environment.
MEDREF = Path(sys.executable).parent / "medref"


class Proc:
    """The result of one run of the installed `medref` in a subprocess."""

    def __init__(self, proc: subprocess.CompletedProcess[str]) -> None:
        self.code = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def medref() -> Callable[..., Proc]:
    """Run the installed console script with the test's environment (cache, user dirs)."""
    assert MEDREF.exists(), f"{MEDREF} is missing: install medref (pip install -e .) first"

    def invoke(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Proc:
        full = {**os.environ, **(env or {})}
        proc = subprocess.run(
            [str(MEDREF), *args],
            capture_output=True,
            text=True,
            env=full,
            input=input if input is not None else "",
            timeout=120,
            check=False,
        )
        assert "Traceback" not in proc.stderr, proc.stderr
        return Proc(proc)

    return invoke
