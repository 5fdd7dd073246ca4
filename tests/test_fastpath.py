"""The start-up fast path must behave exactly like the Typer command line it stands in for."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conftest import FIXTURES, Run
from medref import fastpath

R = Callable[..., Run]
FIX = str(FIXTURES / "search")

SAME = [
    ["show", "colostrum"],
    ["show", "colostrum", "--json"],
    ["show", "tylenol", "-s", "dose", "--section", "adverse", "--json"],
    ["show", "colostrum", "--section=faqs"],
    ["show", "colostrum", "-s", "dosage", "--raw"],
    ["show", "colostrom"],
    ["show", "colostrom", "--json"],
    ["show", "colostrum", "-s", "banana"],
    ["show", "..."],
    ["--color", "always", "show", "colostrum", "-s", "usage"],
    ["--color=never", "--no-pager", "faq", "colostrum"],
    ["faq", "colostrum", "milk", "--json"],
    ["faq", "colostrum", "zebra"],
    ["search", "allergy"],
    ["search", "ibuprofin", "--json", "--limit", "3"],
    ["search", "allergy", "-n", "2", "--all-sections", "-s", "precautions"],
    ["search", "allergy", "-n2", "--json"],
    ["search", "qwxzptl"],
    ["search", "allergy", "-milk", "--json"],
    ["search", "allergy", "-sugar", "-nausea", "-heart", "--json"],
    ["search", "aspirin", "-over-the-counter", "--json"],
    ["--corpus", FIX, "search", "ketorolac", "--json"],
    ["-c", FIX, "list"],
    ["list", "--json"],
    # Global options after the command
    ["show", "colostrum", "--color", "always", "-s", "usage"],
    ["faq", "colostrum", "--no-pager", "--color=never"],
    ["search", "allergy", "--color", "always", "-n", "2"],
    ["list", "--corpus", FIX],
]


@pytest.mark.parametrize("argv", SAME, ids=[" ".join(a) for a in SAME])
def test_fast_path_matches_typer(
    run: R, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    assert fastpath.parse(fastpath.hoist_globals(argv)) is not None, "not on the fast path"
    code = fastpath.dispatch(argv)
    fast = capsys.readouterr()
    slow = run(*argv)
    assert (code, fast.out, fast.err) == (slow.code, slow.out, slow.err)


FALLBACK = [
    [],
    ["--help"],
    ["show", "--help"],
    ["show", "-h", "x"],
    ["show"],
    ["show", "a", "b"],
    ["show", "--", "-x"],
    ["search", "x", "--limit", "0"],
    ["search", "x", "-n", "²"],
    ["search", "x", "--limt", "2"],
    ["search", "x", "--limit", "many"],
    ["show", "x", "-s"],
    ["--color", "pink", "list"],
    ["--version"],
    ["compare", "a", "b"],
    ["export"],
    ["index"],
    ["list", "extra"],
    ["--corpus"],
    ["show", "x", "--bogus"],
    ["--bogus", "list"],
]


@pytest.mark.parametrize("argv", FALLBACK, ids=[" ".join(a) or "(none)" for a in FALLBACK])
def test_everything_else_goes_to_typer(argv: list[str]) -> None:
    assert fastpath.parse(argv) is None


def test_completion_requests_go_to_typer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_MEDREF_COMPLETE", "complete_bash")
    assert fastpath.parse(["show", "colostrum"]) is None


# Modules that cost start-up time the everyday pages do not need (Typer ~50 ms, rich.table
# ~9 ms, rich.markdown ~55 ms).
HEAVY = ("typer", "click", "rich.table", "rich.markdown")


@pytest.mark.parametrize(
    "argv",
    [["--color", "always", "show", "colostrum"], ["--color", "always", "faq", "colostrum"]],
)
def test_everyday_pages_skip_heavy_imports(argv: list[str]) -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from medref.entry import main\n"
        f"sys.argv = ['medref', *{argv!r}]\n"
        "try:\n"
        "    main()\n"
        "finally:\n"
        f"    print(sorted(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert "\x1b[" in proc.stdout
    assert proc.stderr.strip().splitlines()[-1] == "[]"


HOIST = [
    (["show", "x", "--color", "never"], ["--color", "never", "show", "x"]),
    (["show", "x", "--color=never", "--pager"], ["--color=never", "--pager", "show", "x"]),
    (["-c", "d", "faq", "x", "--corpus", "e"], ["-c", "d", "--corpus", "e", "faq", "x"]),
    (["search", "a", "--no-pager", "-n", "3"], ["--no-pager", "search", "a", "-n", "3"]),
    # Not moved: after `--`, the value of a command's option, "-c" (a search exclusion),
    # a global option missing its value, and a command line that has none.
    (["search", "--", "--color", "x"], None),
    (["export", "-o", "--pager"], None),
    (["search", "a", "-c"], None),
    (["show", "x", "--color"], None),
    (["show", "x"], None),
    (["--color", "never", "show"], None),
    ([], None),
]


@pytest.mark.parametrize("argv,expected", HOIST, ids=[" ".join(a) or "(none)" for a, _ in HOIST])
def test_global_options_after_the_command_move_before_it(
    argv: list[str], expected: list[str] | None
) -> None:
    assert fastpath.hoist_globals(argv) == (argv if expected is None else expected)


def test_global_option_after_the_command_in_a_real_run(run: R) -> None:
    before = run("--color", "always", "show", "colostrum", "-s", "dosage")
    after = run("show", "colostrum", "-s", "dosage", "--color", "always")
    assert after.code == 0
    assert "\x1b[" in after.out
    assert after.out == before.out
