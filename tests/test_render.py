"""Rendered output: golden files at three widths with colour on and off, colour rules, widths."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import FIXTURES, Run

R = Callable[..., Run]
GOLDEN = Path(__file__).parent / "golden"
SEARCH_FIXTURES = str(FIXTURES / "search")

CASES = {
    "show-colostrum": ["show", "colostrum"],
    "faq-colostrum": ["faq", "colostrum"],
    "search-milk-allergy": ["search", '"milk allergy"'],
    "compare-colostrum-combo": [
        "--corpus",
        SEARCH_FIXTURES,
        "compare",
        "colostrum",
        "ibuprofen-paracetamol",
    ],
}


@pytest.mark.parametrize("color", ["always", "never"])
@pytest.mark.parametrize("width", [40, 80, 120])
@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_render(run: R, update_golden: bool, case: str, width: int, color: str) -> None:
    r = run("--color", color, *CASES[case], env={"COLUMNS": str(width)})
    assert r.code == 0, r.err
    path = GOLDEN / f"{case}-{width}-{'color' if color == 'always' else 'plain'}.txt"
    if update_golden:
        path.write_text(r.out, encoding="utf-8")
    assert path.exists(), f"no golden file {path.name}; run pytest --update-golden on purpose"
    assert r.out == path.read_text(encoding="utf-8")


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_colour_rules(run: R) -> None:
    assert "\x1b[" not in run("show", "colostrum").out  # auto, not a terminal
    assert "\x1b[" in run("--color", "always", "show", "colostrum").out
    assert "\x1b[" not in run("--color", "never", "show", "colostrum", env={"FORCE_COLOR": "1"}).out
    assert "\x1b[" in run("show", "colostrum", env={"FORCE_COLOR": "1"}).out
    assert "\x1b[" not in run("show", "colostrum", env={"NO_COLOR": "1", "FORCE_COLOR": ""}).out
    assert "\x1b[" in run("--color", "always", "show", "colostrum", env={"NO_COLOR": "1"}).out


def test_no_hard_coded_backgrounds_or_rgb(run: R) -> None:
    out = run("--color", "always", "show", "colostrum").out
    for code in re.findall(r"\x1b\[([0-9;]*)m", out):
        parts = [int(p) for p in code.split(";") if p]
        assert not any(40 <= p <= 49 or 100 <= p <= 107 for p in parts), code  # backgrounds
        assert 38 not in parts and 48 not in parts, code  # 256-colour or truecolour


@pytest.mark.parametrize("width", [40, 60, 80, 120, 200])
def test_nothing_is_cut_off(run: R, width: int) -> None:
    import json

    data = json.loads(run("show", "acetaminophen", "--json").out)
    out = run("show", "acetaminophen", env={"COLUMNS": str(width)}).out
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= width
    flat = re.sub(r"\s+", "", out)
    for section in data["sections"]:
        for word in section["text"].split():
            assert word.strip("•") in flat, (width, word)


def test_long_words_wrap(run: R, tmp_path: Path) -> None:
    from conftest import monograph_text, write

    long_word = "supercalifragilistic" * 5
    write(tmp_path / "c", "w.md", monograph_text("Wordy", f"### Dosage\n* {long_word} 5 mg\n"))
    out = run("--corpus", str(tmp_path / "c"), "show", "w", env={"COLUMNS": "40"}).out
    assert max(len(line) for line in out.splitlines()) <= 40
    assert long_word in re.sub(r"\s+", "", out)


def test_readme_screenshots_match_the_current_code() -> None:
    import importlib.util

    script = Path(__file__).parent.parent / "scripts" / "screenshots.py"
    spec = importlib.util.spec_from_file_location("screenshots", script)
    assert spec and spec.loader
    shots = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(shots)
    ix = shots.bundled_index()
    for name in shots.SHOTS:
        committed = (shots.OUT / f"{name}.svg").read_text(encoding="utf-8")
        assert shots.svg(name, ix) == committed, (
            f"{name}.svg is stale: run python scripts/screenshots.py on purpose"
        )
