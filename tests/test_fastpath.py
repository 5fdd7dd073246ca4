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
]


@pytest.mark.parametrize("argv", SAME, ids=[" ".join(a) for a in SAME])
def test_fast_path_matches_typer(
    run: R, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    assert fastpath.parse(argv) is not None, "this argv should take the fast path"
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
