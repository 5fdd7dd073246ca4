"""Rendered output: golden files at three widths with colour on and off, colour rules, widths."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.text import Text

from conftest import FIXTURES, Run

R = Callable[..., Run]
GOLDEN = Path(__file__).parent / "golden"
SEARCH_FIXTURES = str(FIXTURES / "search")

BOXED_FIXTURES = str(FIXTURES / "boxed")
VARIANTS_FIXTURES = str(FIXTURES / "variants")

CASES = {
    # The boxed warning comes first, framed, even when only another section is asked for.
    "show-boxed-warning-dosage": ["--corpus", BOXED_FIXTURES, "show", "zentorol", "-s", "dosage"],
    "show-colostrum": ["show", "colostrum"],
    "faq-colostrum": ["faq", "colostrum"],
    "search-milk-allergy": ["search", '"milk allergy"'],
    # A Markdown table, nested lists, and links with an HTML list (tests/fixtures/variants).
    "show-table": ["--corpus", VARIANTS_FIXTURES, "show", "table"],
    "show-nested-list": ["--corpus", VARIANTS_FIXTURES, "show", "nested-list"],
    "show-links": ["--corpus", VARIANTS_FIXTURES, "show", "links"],
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
def test_golden_render(
    run: R,
    update_golden: bool,
    case: str,
    width: int,
    color: str,
    request: pytest.FixtureRequest,
) -> None:
    if VARIANTS_FIXTURES in CASES[case]:
        request.getfixturevalue("variants_cache")
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


# -- ListRows lays out exactly as the Rich grid it stands in for ----------------------------

# Words of all widths, wide and zero-width characters, tabs, hard breaks and runs of spaces.
_TOKENS = ["a", "bc", "defgh", " ", "  ", "\t", "\n", "中文", "é", "•", "\u200b", "x" * 45]
_WORDS = st.lists(st.sampled_from(_TOKENS), max_size=12).map("".join)
_STYLES = st.sampled_from([None, "bold", "italic cyan", "underline", "dim italic"])


@st.composite
def _text(draw: st.DrawFn, max_size: int = 60) -> Text:
    text = Text(style=draw(_STYLES) or "")
    for chunk in draw(st.lists(_WORDS.map(lambda s: s[:max_size]), max_size=4)):
        text.append(chunk, draw(_STYLES))
    return text


@st.composite
def _rows(draw: st.DrawFn) -> list[tuple[Text, Text]]:
    labels = st.one_of(
        st.builds(
            lambda d, m: Text("  " * d + m),
            st.integers(0, 12),
            st.sampled_from(["•", "1.", " ", "10."]),
        ),
        _text(8),
    )
    return draw(st.lists(st.tuples(labels, _text()), min_size=1, max_size=5))


def _print(renderable: Any, width: int, color: bool) -> str:
    from medref.output import make_console

    console = make_console(color, width=width)
    with console.capture() as cap:
        console.print(renderable)
    return cap.get()


@given(rows=_rows(), width=st.integers(1, 70), color=st.booleans())
def test_list_rows_match_the_grid(rows: list[tuple[Text, Text]], width: int, color: bool) -> None:
    from rich.padding import Padding

    from medref.render import ListRows

    fast = ListRows(rows)
    grid = fast.grid()
    assert _print(fast, width, color) == _print(grid, width, color)
    # Inside a padding that measures its content, as sections are laid out.
    assert _print(Padding(fast, (0, 0, 0, 2), expand=False), width, color) == _print(
        Padding(grid, (0, 0, 0, 2), expand=False), width, color
    )


@pytest.mark.parametrize("name", ["colostrum", "acetaminophen"])
def test_list_rows_match_the_grid_on_bundled_pages(name: str) -> None:
    from medref.corpus import discover
    from medref.index import with_index
    from medref.render import ListRows, blocks, faqs, monograph

    corpora, _ = discover([])
    mono = with_index(corpora, lambda ix: ix.get(name))

    def with_grids(renderable: Any) -> Any:
        """The same renderable with every ListRows swapped for its grid."""
        from rich.console import Group
        from rich.padding import Padding

        if isinstance(renderable, ListRows):
            return renderable.grid()
        if isinstance(renderable, Group):
            return Group(*[with_grids(r) for r in renderable.renderables])
        if isinstance(renderable, Padding):
            return Padding(
                with_grids(renderable.renderable),
                (renderable.top, renderable.right, renderable.bottom, renderable.left),
                expand=renderable.expand,
            )
        return renderable

    pages = [monograph(mono, mono.sections), faqs(mono, mono.faqs)]
    assert any(isinstance(r, ListRows) for s in mono.sections for r in blocks(s.blocks))
    for page in pages:
        for width in (20, 33, 40, 57, 80, 100, 120, 200):
            for color in (True, False):
                assert _print(page, width, color) == _print(with_grids(page), width, color)
