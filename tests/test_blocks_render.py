"""Tables, nested lists, links and HTML lists, read and rendered; long pages streamed."""

from __future__ import annotations

import io
import itertools
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from rich.console import RenderableType
from rich.text import Text

from conftest import VARIANTS, Proc, monograph_text, write
from medref.models import Block, pack_blocks, unpack_blocks
from medref.parse import parse, parse_file

M = Callable[..., Proc]
CORPUS = ["--corpus", str(VARIANTS)]
# Tests that run `--corpus VARIANTS` start from its index, built once per session.
uses_variants = pytest.mark.usefixtures("variants_cache")


def _show(medref: M, name: str, width: int = 80, *args: str) -> str:
    r = medref(*CORPUS, "show", name, *args, env={"COLUMNS": str(width)})
    assert r.code == 0, r.err
    return r.out


# -- reading --------------------------------------------------------------------------------


def test_table_rows_are_read_as_cells_with_their_alignment() -> None:
    dosage = parse_file(VARIANTS / "table.md").sections[0]
    kinds = [b.kind for b in dosage.blocks]
    assert kinds == ["p", "th", "td", "td", "td", "p"]
    assert dosage.blocks[1].marker == "lrc"
    assert "Age group | Dose | When to take it\nAdults | 20 mg |" in dosage.text


def test_nested_lists_keep_depth_and_numbering() -> None:
    dosage = parse_file(VARIANTS / "nested-list.md").sections[0]
    shape = [(b.depth, b.marker, b.plain()[:8]) for b in dosage.blocks]
    assert shape == [
        (0, "1.", "Adults"),
        (1, "•", "20 mg da"),
        (1, "•", "no more "),
        (0, "2.", "Children"),
        (1, "1.", "under 6 "),
        (1, "2.", "6 to 12 "),
        (0, "3.", "Older ad"),
        (1, "•", "start at"),
    ]


def test_html_lists_become_list_items() -> None:
    mono = parse_file(VARIANTS / "links.md")
    precautions = mono.sections[1]
    assert [(b.kind, b.depth, b.marker) for b in precautions.blocks] == [
        ("li", 0, "•"),
        ("li", 0, "•"),
        ("li", 1, "•"),
    ]
    assert precautions.text == (
        "• Tell your doctor about liver disease.\n"
        "• See the interactions list.\n"
        "  • Includes other pain relievers."
    )
    ordered = parse(
        monograph_text("O", '### Usage\n<ol start="4">\n<li>one</li><li>two</li>\n</ol>\n')
    )
    assert [(b.marker, b.plain()) for b in ordered.sections[0].blocks] == [
        ("4.", "one"),
        ("5.", "two"),
    ]
    # HTML without list items still reads as one paragraph of its text.
    plain = parse(monograph_text("P", "### Usage\n<div>\n<b>Shake</b> well.\n</div>\n"))
    assert plain.sections[0].text == "Shake well."


def test_link_text_only_in_text_and_questions() -> None:
    mono = parse_file(VARIANTS / "links.md")
    assert mono.sections[0].text == (
        "Read the patient leaflet before the first dose, or ask at https://example.org/ask."
    )
    faq = parse(
        monograph_text(
            "F",
            "### FAQs\n**Is it safe?** Yes, see [this](https://e.org) and [that](https://f.org).\n",
        )
    )
    assert [(f.question, f.answer) for f in faq.faqs] == [
        ("Is it safe?", "Yes, see this and that.")
    ]


def test_blocks_survive_the_cache_format() -> None:
    read = [
        b
        for name in ("table", "nested-list", "links")
        for s in parse_file(VARIANTS / f"{name}.md").sections
        for b in s.blocks
    ]
    blocks = (*read, Block("hr"), Block("code", (("x = 1", 4),)), Block("quote", (("q", 2),)))
    assert unpack_blocks(pack_blocks(blocks)) == blocks


# -- rendering, through the installed command -----------------------------------------------


@uses_variants
def test_table_renders_aligned_and_wraps_cells_when_narrow(medref: M) -> None:
    wide = _show(medref, "tabulex", 120).splitlines()
    header = next(line for line in wide if "Age group" in line)
    rows = [line for line in wide if line.lstrip().startswith(("Adults", "Children", "Under"))]
    assert len(rows) == 3
    # The Dose column is right-aligned: every dose ends in the same column.
    ends = {
        line.index(dose) + len(dose)
        for line, dose in zip(rows, ["20 mg", "10 mg", "—"], strict=True)
    }
    assert len(ends) == 1 and header.index("Dose") + len("Dose") in ends
    assert "|" not in "".join(wide)
    narrow = _show(medref, "tabulex", 40).splitlines()
    assert max(len(line) for line in narrow) <= 40
    # The long cell wraps within its column: its words all there, over several lines.
    cell = "once a day, with or without food, at about the same time each day"
    adults = next(n for n, line in enumerate(narrow) if "Adults" in line)
    assert "each day" not in narrow[adults]
    column = [line.split("mg", 1)[-1] for line in narrow[adults : adults + 8]]
    assert " ".join(" ".join(column).split()).startswith(cell)


def test_a_table_too_wide_for_the_terminal_loses_no_cell(tmp_path: Path, medref: M) -> None:
    """Ten columns do not fit in 30: each row is shown cell by cell under its column's name
    (Rich alone shrank some columns to nothing, and at 12 columns printed no cell at all)."""
    head = "| " + " | ".join(f"Col{i}" for i in range(10)) + " |"
    rule = "|" + "---|" * 10
    body = "| " + " | ".join(f"val{i}" for i in range(10)) + " |"
    write(tmp_path, "t10.md", monograph_text("Tenfold", f"## Dosage\n{head}\n{rule}\n{body}\n"))
    for width in (30, 60):
        out = medref("--corpus", str(tmp_path), "show", "tenfold", env={"COLUMNS": str(width)})
        assert out.code == 0, out.err
        lines = out.out.splitlines()
        assert max(len(line) for line in lines) <= width
        for i in range(10):
            assert f"  Col{i}: val{i}" in lines
    wide = medref("--corpus", str(tmp_path), "show", "tenfold", env={"COLUMNS": "120"}).out
    assert re.search(r"Col0 +Col1 +.*Col9", wide) and re.search(r"val0 +val1 +.*val9", wide)


@uses_variants
def test_nested_items_start_under_their_parents_text(medref: M) -> None:
    for width in (40, 80):
        lines = _show(medref, "nestorin", width).splitlines()
        adults = next(line for line in lines if "1. Adults" in line)
        bullet = next(line for line in lines if "• 20 mg" in line)
        children = next(line for line in lines if "2. Children" in line)
        under = next(line for line in lines if "1. under 6" in line)
        assert bullet.index("•") == adults.index("Adults")
        assert under.index("1.") == children.index("Children")
        # A wrapped nested item continues under its own text, not under the marker.
        after = lines[lines.index(bullet) + 1]
        if width == 40:
            assert after.index(after.strip()[0]) == bullet.index("20 mg")


@uses_variants
def test_links_show_their_address_made_safe(medref: M, tmp_path: Path) -> None:
    out = _show(medref, "links", 120)
    assert "the patient leaflet (https://example.org/leaflets/linkamol?lang=en)" in out
    assert "https://example.org/ask." in out and "(https://example.org/ask)" not in out
    assert "the interactions list (https://example.org/interactions)" in out
    data = medref(*CORPUS, "show", "links", "--json").json()
    assert "https://example.org/leaflets" not in data["sections"][0]["text"]
    # An address is sanitised like all text: no control or bidi character reaches the screen.
    body = '### Usage\n<ul><li><a href="https://e.org/\u202eevil\x1b[31m">here</a></li></ul>\n'
    write(tmp_path / "c", "trick.md", monograph_text("Trick", body))
    shown = medref("--corpus", str(tmp_path / "c"), "show", "trick").out
    assert "\u202e" not in shown and "\x1b" not in shown
    assert "here (https://e.org/\\u202eevil\\x1b[31m)" in shown


@uses_variants
def test_search_index_keeps_only_link_text(medref: M) -> None:
    found = medref(*CORPUS, "search", "leaflet", "--json").json()
    assert [h["id"] for h in found["results"]][:1] == ["links"]
    assert "leaflets/linkamol" not in found["results"][0]["snippet"]
    # "lang" is only in an address (a typo correction may find other pages).
    hits = medref(*CORPUS, "search", "lang", "--json", "--limit", "500").json()["results"]
    assert "links" not in [h["id"] for h in hits]


def test_search_titles_are_not_dimmed(medref: M) -> None:
    out = medref("--color", "always", "search", "allergy").out
    # The number is dim; the title after it is bold only.
    assert re.match(r"\x1b\[2m1\. \x1b\[0m\x1b\[1m\w", out.splitlines()[0])
    assert "\x1b[1;2m" not in out and "\x1b[2;36m" not in out


# -- the one-line fast path agrees with Rich ------------------------------------------------

_PIECES = st.sampled_from(
    ["a", "bc", " ", "  ", "中", "é", "•", "\u200b", "12.", "x" * 9, "\t", "\n"]
)
_STYLES = st.sampled_from([None, "", "bold", "italic cyan", "underline"])


@st.composite
def _texts(draw: st.DrawFn) -> Text:
    text = Text(style=draw(_STYLES) or "")
    for piece in draw(st.lists(st.lists(_PIECES, max_size=5).map("".join), max_size=4)):
        text.append(piece, draw(_STYLES))
    return text


@given(text=_texts(), width=st.integers(1, 30), justify=st.sampled_from(["left", "right"]))
@example(text=Text("a  "), width=5, justify="right")  # trailing spaces go before a label
@example(text=Text("2. ", style="bold"), width=5, justify="right")
@example(text=Text.assemble(("a", "bold"), " b "), width=6, justify="right")
@example(text=Text("中文 \u200b"), width=6, justify="left")
@example(text=Text.assemble("x ", ("y", "italic"), style="underline"), width=7, justify="left")
def test_one_line_matches_rich(text: Text, width: int, justify: str) -> None:
    from medref.output import make_console
    from medref.render import one_line

    console = make_console(True, width=80)
    fast = one_line(console, text, width, justify)
    if fast is None:
        return
    options = console.options.update(
        width=width,
        justify=justify,  # type: ignore[arg-type]
        no_wrap=justify == "right",
        overflow="ellipsis" if justify == "right" else "fold",
        height=None,
        highlight=False,
    )
    from rich.style import Style

    assert [fast] == console.render_lines(text, options, style=Style.null())


def test_one_line_leaves_what_does_not_fit_to_rich() -> None:
    from medref.output import make_console
    from medref.render import one_line

    console = make_console(False, width=80)
    assert one_line(console, Text("abcdef"), 5, "left") is None
    assert one_line(console, Text("a\nb"), 5, "left") is None
    assert one_line(console, Text("ab", justify="right"), 5, "left") is None
    assert one_line(console, Text("ab"), 5, "left") is not None


# -- long lists stream ----------------------------------------------------------------------


def _print(renderable: RenderableType, width: int) -> str:
    from medref.output import make_console

    console = make_console(True, width=width)
    with console.capture() as cap:
        console.print(renderable)
    return re.sub(r" +((?:\x1b\[[0-9;]*m)*)$", r"\1", cap.get(), flags=re.M)


@pytest.mark.parametrize("width", [24, 80])
def test_a_long_list_in_chunks_reads_as_one_list(width: int) -> None:
    from medref.render import LIST_CHUNK, ListRows, block_parts

    items = tuple(
        Block(
            "li", ((f"item {k} " + "word " * (k % 7), 0),), (k // 3) % 2, "•" if k % 5 else f"{k}."
        )
        for k in range(LIST_CHUNK * 2 + 17)
    )
    parts = list(block_parts(items))
    assert len(parts) == 3 and all(isinstance(p, ListRows) for p in parts)
    whole = ListRows([(Text(b.marker), Text(b.plain())) for b in items], [b.depth for b in items])
    assert "".join(_print(p, width) for p in parts) == _print(whole, width)


def test_render_parts_writes_each_part_as_it_is_made(monkeypatch: pytest.MonkeyPatch) -> None:
    from medref.output import Output

    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    written_before: list[int] = []

    def parts() -> Iterator[Any]:
        for k in range(5):
            written_before.append(len(out.getvalue()))
            yield Text(f"part {k}")

    Output(color="never").render_parts(parts())
    assert out.getvalue() == "".join(f"part {k}\n" for k in range(5))
    # Each part was out before the next one was even made.
    assert written_before == [len("".join(f"part {j}\n" for j in range(k))) for k in range(5)]


def test_a_long_list_page_is_whole_through_the_installed_command(medref: M, tmp_path: Path) -> None:
    from medref.render import LIST_CHUNK

    count = LIST_CHUNK * 3 + 5
    items = "".join(
        f"{k}. Item number {k}\n{' ' * len(f'{k}. ')}* detail {k}\n" for k in range(1, count + 1)
    )
    write(tmp_path / "c", "longlist.md", monograph_text("Longlist", f"### Usage\n{items}"))
    r = medref("--corpus", str(tmp_path / "c"), "show", "longlist", env={"COLUMNS": "60"})
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    numbered = [line for line in lines if "Item number" in line]
    assert len(numbered) == count
    width = len(f"{count}.")
    for k, line in enumerate(numbered, 1):
        assert line == f"  {f'{k}.':>{width}} Item number {k}"
    details = [line for line in lines if "• detail" in line]
    assert len(details) == count and {line.index("•") for line in details} == {width + 3}
    assert "For information only" in "".join(lines[-2:])


# -- list on a terminal ---------------------------------------------------------------------


@pytest.mark.parametrize("cols", [40, 80])
def test_list_never_breaks_ids_or_title_words(cols: int, isolated: Path) -> None:
    import os

    from medref.corpus import discover
    from medref.index import with_index
    from test_terminal import run_in_pty

    corpora, _ = discover([])
    rows = with_index(corpora, lambda ix: ix.summaries())
    env = {**os.environ, "MEDREF_PAGER": "cat"}
    out = run_in_pty(["--color", "never", "list"], env, rows=2000, cols=cols).replace("\r", "")
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= cols
    tokens = {t for line in lines for t in line.split()}
    for row in rows:
        assert row["id"] in tokens, row["id"]
        for word in row["title"].split():
            assert word in tokens, (row["id"], word)
    # Paths break only after a "/".
    for line, following in itertools.pairwise(lines):
        if "/" in line and following.startswith("  ") and ".md" not in line:
            assert line.rstrip().endswith("/"), line


# -- a long list is parsed a slice of items at a time, with the same result -----------------

_LINES = st.sampled_from(
    [
        "* apple",
        "* apple",
        "* Mild pain 000001.",
        "* it's (mild) 50% a/b = c; d:",
        "* two  spaces",
        "*  spaced marker",
        "*      code in an item",
        "* see *this* too",
        "* Ends-",
        "- pear",
        "- pear **ripe**",
        "+ plum",
        "1. one",
        "2. two",
        "7) seven",
        "  * nested",
        "   1. nested number",
        "   continued text",
        "lazy line",
        "",
        "```",
        "> quoted",
        "# Heading",
        "* * *",
        "- - -",
        "<div>",
        "    indented code",
        "10. ten",
        "* [a link](https://e.org/x)",
        "* | a | b |",
        "| - | - |",
    ]
)


@given(lines=st.lists(_LINES, max_size=40), size=st.integers(1, 3))
# Where outline.py once disagreed with markdown-it on where a list or its items begin.
@example(lines=["> quoted", "2. two", "1. one", "1. one"], size=1)
@example(lines=["* apple", "* * *", "   1. nested number"], size=1)
@example(lines=["1. one", "   * nested", "2. two", "* apple", "10. ten"], size=1)
@example(lines=["* see *this* too", "*      code in an item", "* apple"], size=1)
@example(lines=["*      code in an item", "lazy line", "2. two"], size=1)
def test_long_lists_parse_the_same_in_slices(lines: list[str], size: int) -> None:
    import medref.parse as parse_mod

    text = monograph_text("S", "### Usage\n" + "\n".join(lines) + "\n### Dosage\nOne.\n")
    whole = parse(text)
    saved = parse_mod.LONG_LIST_LINES, parse_mod.LIST_SLICE
    parse_mod.LONG_LIST_LINES, parse_mod.LIST_SLICE = 1, size
    try:
        sliced = parse(text)
    finally:
        parse_mod.LONG_LIST_LINES, parse_mod.LIST_SLICE = saved
    assert sliced == whole


def test_a_long_list_is_sliced(monkeypatch: pytest.MonkeyPatch) -> None:
    """The slicing really happens (so the test above compares two ways of parsing)."""
    import medref.parse as parse_mod

    items = "".join(f"{k}. item {k}\n{' ' * len(f'{k}. ')}* under {k}\n" for k in range(3, 40))
    text = monograph_text("S", f"### Usage\nIntro.\n\n{items}\nAfter.\n")
    parsed: list[int] = []
    real = parse_mod._markdown

    class Counting:
        def parse(self, src: str) -> Any:
            parsed.append(src.count("\n") + 1)
            return real().parse(src)

    monkeypatch.setattr(parse_mod, "LONG_LIST_LINES", 10)
    monkeypatch.setattr(parse_mod, "LIST_SLICE", 5)
    monkeypatch.setattr(parse_mod, "_markdown", lambda: Counting())
    usage = parse(text).sections[0]
    assert max(parsed[:-1]) <= 10 and len(parsed) == 8 + 1  # 8 slices, then the rest
    top = [b.marker for b in usage.blocks if b.kind == "li" and b.depth == 0]
    assert top == [f"{k}." for k in range(3, 40)]
    assert usage.blocks[0].plain() == "Intro." and usage.blocks[-1].plain() == "After."


@pytest.mark.parametrize(
    "text",
    [
        "> quoted\n2. two\n3. three",  # markdown-it ends a quote at any list marker
        "> quoted\n-\ntext",
        "* apple\n* * *\n* pear",  # a thematic break, not an item
        "1. one\n   * nested\n2. two",  # the next item, not a lazy line of "nested"
        "1. one\n   * nested\n7) seven",
    ],
)
def test_list_and_quote_extents_match_markdown_it(text: str) -> None:
    from medref.outline import list_items, tops
    from test_outline import reference_tops

    lines = text.split("\n")
    assert [(t.line, t.end_line) for t in tops(lines)] == [
        (t.line, t.end_line) for t in reference_tops(lines)
    ]
    from medref.parse import _markdown

    for top in tops(lines):
        if top.kind == "list":
            tokens = _markdown().parse("\n".join(lines))
            items = [t.map[0] for t in tokens if t.type == "list_item_open" and t.level == 1]
            assert list_items(lines, top.line) == [n for n in items if top.line <= n < top.end_line]


@given(chunk=st.text(max_size=30), flags=st.sampled_from([0, 1, 4, 16, 32]))
def test_span_text_is_always_made_safe(chunk: str, flags: int) -> None:
    from medref.render import _squash, spans_text
    from medref.sanitize import safe

    expected = safe(" ".join(chunk.split(" ")) if flags & 4 else _squash(chunk))
    assert spans_text([(chunk, flags)]).plain == expected
