"""outline.py finds the sections markdown-it-py's own tokens give, without a Markdown parse.

The reference below builds the top-level blocks from markdown-it-py's full parse (block and
inline) and runs the same section decision (outline.find_starts) on them; the outline must
find the same sections, at the same lines, on every fixture, every bundled monograph and
generated documents. Differences that are intended are listed in INTENDED.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from medref.outline import (
    Top,
    find_starts,
    first_h1,
    label_line,
    plain_text,
    title_names,
    tops,
    with_canonical,
)
from medref.parse import _bold_label, _inline_spans, _markdown, _split_front_matter

ROOT = Path(__file__).parent.parent
# Where medref ends a block that CommonMark would not; reference_tops does the same, by
# parsing the rest of the document again from that line.
INTENDED: list[str] = [
    "an ATX heading line ends an HTML block that ends at a blank line (kinds 6 and 7)",
    "a paragraph line opening with a bold section label (outline.label_line) starts a paragraph",
]
_ATX_LINE = re.compile(r" {0,3}#{1,6}(?:[ \t]|$)")
_RAW_HTML = re.compile(r"\s*<(?:!|\?|(?:script|pre|style|textarea)(?:\s|>|$))", re.I)


def _lone_bold(token: Any) -> str | None:
    """A paragraph's first line that is bold text alone (`**Usage**`), from its tokens."""
    kids = [k for k in token.children or [] if not (k.type == "text" and not k.content)]
    if len(kids) < 3 or kids[0].type != "strong_open" or kids[2].type != "strong_close":
        return None
    if len(kids) > 3 and kids[3].type not in ("softbreak", "hardbreak"):
        return None
    return str(kids[1].content).strip() or None


def reference_tops(lines: list[str], offset: int = 0) -> list[Top]:
    """Top-level blocks as markdown-it-py's tokens give them (with the INTENDED cuts)."""
    tokens = _markdown().parse("\n".join(lines))
    out: list[Top] = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        j = i
        if t.nesting == 1:
            depth = 0
            while j < len(tokens):
                depth += tokens[j].nesting
                if depth == 0:
                    break
                j += 1
        line, end = t.map if t.map else (out[-1].end_line - offset if out else 0, 0)
        cut = None
        if t.type == "html_block" and not _RAW_HTML.match(t.content):
            cut = next((n for n in range(line + 1, end) if _ATX_LINE.match(lines[n])), None)
        elif t.type == "paragraph_open":
            cut = next((n for n in range(line + 1, end) if label_line(lines[n])), None)
        if cut is not None:
            kind = "html" if t.type == "html_block" else "paragraph"
            top = Top(line + offset, cut + offset, 0, "", None, None, kind)
            if t.type == "paragraph_open":
                _label(top, tokens[i + 1])
            return [*out, top, *reference_tops(lines[cut:], offset + cut)]
        if t.type == "heading_open":
            text = "".join(s for s, _ in _inline_spans(tokens[i + 1])).strip()
            top = Top(line + offset, end + offset, int(t.tag[1:]), text, None, None, "heading")
        elif t.type == "paragraph_open":
            top = Top(line + offset, end + offset, 0, "", None, None, "paragraph")
            _label(top, tokens[i + 1])
        else:
            top = Top(line + offset, end + offset, 0, "", None, None)
        out.append(top)
        i = j + 1
    return out


def _label(top: Top, inline: Any) -> None:
    found = _bold_label(_inline_spans(inline))
    if found:
        top.label = found[0]
    elif (lone := _lone_bold(inline)) is not None:
        top.label, top.lone = lone, True


def sections_both_ways(text: str) -> tuple[list[Any], list[Any]]:
    """Where sections start (key, heading, level, line, ingredient): outline's and reference's."""
    lines = text.split("\n")
    fm, start, _problems = _split_front_matter(lines)
    body = lines[start:]
    scanned = tops(body)
    title = fm.get("title") if isinstance(fm.get("title"), str) else None
    names = title_names(title or first_h1(scanned))

    def shape(starts: list[Any]) -> list[Any]:
        return [(s.key, s.heading, s.level, s.line, s.ingredient, s.by_label) for s in starts]

    return (
        shape(find_starts(with_canonical(scanned, names))[0]),
        shape(find_starts(with_canonical(reference_tops(body), names))[0]),
    )


def test_every_fixture_and_bundled_monograph_agrees() -> None:
    files = sorted((ROOT / "monographs").glob("*.md")) + sorted(
        (ROOT / "tests" / "fixtures").rglob("*.md")
    )
    assert len(files) > 130
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n")
        found, reference = sections_both_ways(text.lstrip("\ufeff"))
        assert found == reference, path.name


HEADINGS = ["Usage", "Dosage", "Side Effects", "How it Works", "Precautions", "FAQs", "Notes"]
block = st.one_of(
    st.builds(lambda lvl, h: "#" * lvl + " " + h, st.integers(1, 4), st.sampled_from(HEADINGS)),
    st.builds(lambda h, u: f"{h}\n{u}", st.sampled_from(HEADINGS), st.sampled_from(["===", "---"])),
    st.builds(lambda h: f"**{h}:** some text", st.sampled_from(HEADINGS)),
    st.just("Plain paragraph text\nthat continues."),
    st.builds(lambda h: f"```\n# {h}\n```", st.sampled_from(HEADINGS)),
    st.builds(lambda h: f"    # {h} in indented code", st.sampled_from(HEADINGS)),
    st.builds(lambda h: f"<div>\n# {h}\n</div>", st.sampled_from(HEADINGS)),
    st.builds(lambda h: f"* item one\n* item\n  # {h} inside an item", st.sampled_from(HEADINGS)),
    st.just("1. first\n2. second"),
    st.builds(lambda h: f"> quoted\n> # {h}", st.sampled_from(HEADINGS)),
    st.just("---"),
    st.just("| a | b |\n|---|---|\n| 1 | 2 |"),
    st.builds(lambda h: f"* **Q: {h}?** A: yes", st.sampled_from(HEADINGS)),
)
document = st.lists(st.tuples(block, st.sampled_from(["\n", "\n\n"])), max_size=12).map(
    lambda parts: "# Title\n\n" + "".join(b + sep for b, sep in parts)
)


@given(document)
@example("# T\n\n<div>\n### Usage\n</div>\n### Dosage\ntext\n")
@example("# T\n\n* a\n### Usage\ntext\n")
@example("# T\n\nPara\n---\n### Usage\n")
def test_generated_documents_agree(text: str) -> None:
    found, reference = sections_both_ways(text)
    assert found == reference


def test_block_scanner_matches_markdown_it_on_tricky_blocks() -> None:
    text = "```\n# not a heading\n```\n\n    # code\n\n<div>\n# in html\n</div>\n\n## Real\n"
    lines = text.split("\n")
    assert [(t.line, t.heading_level) for t in tops(lines)] == [
        (t.line, t.heading_level) for t in reference_tops(lines)
    ]
    # CommonMark reads the heading inside the <div> as HTML; medref (INTENDED) as a heading.
    assert [(t.line, t.heading_level) for t in tops(lines)][3] == (7, 1)


def test_plain_text_is_clean_for_snippets() -> None:
    text = plain_text(
        [
            "Colostrum is **called** [first milk](http://example.org) `here`.",
            "* **Immune support:** studies",
            "  * nested",
            "| a | b |",
            "|---|---|",
            "| 1 | <1% |",
        ]
    )
    assert "**" not in text and "](" not in text and "`" not in text
    assert "• Immune support: studies" in text and "<1%" in text
    assert "first milk" in text and "---" not in text


def test_plain_text_keeps_html_list_items_apart() -> None:
    text = plain_text(["<ul><li>first item</li><li>second item</li></ul>", "a <b>bold</b>er word"])
    assert "item second" in " ".join(text.split())  # not "itemsecond"
    assert "bolder" in text  # inline tags join what they split
