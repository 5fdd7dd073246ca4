"""Models to Rich renderables. The only module that decides how things look.

Styles use the terminal's own foreground plus bold, italic, underline and standard named
colours, so pages stay readable on light and dark themes. All monograph text passes
through `safe()` so nothing in a file can steer the terminal.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Group, RenderableType
from rich.measure import Measurement
from rich.padding import Padding
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from medref.models import (
    BOLD,
    BOXED_WARNING,
    CODE,
    ITALIC,
    LINK,
    STRIKE,
    Block,
    Faq,
    Monograph,
    Section,
)
from medref.sanitize import safe, safe_line

if TYPE_CHECKING:
    # rich.table is imported only by the layouts that need a table (its cost on start-up is
    # in docs/benchmarks.md).
    from rich.console import Console, ConsoleOptions, RenderResult
    from rich.table import Table

_SPACES = re.compile(r"[ \t]+")

FOOTER = "For information only; not medical advice. Ask a doctor or pharmacist about your own care."

STYLE_TITLE = "bold"
STYLE_META = "dim"
STYLE_HEADING = "bold cyan"
STYLE_SUBHEADING = "bold"
STYLE_QUESTION = "bold"
STYLE_MATCH = "bold underline"
STYLE_FOOTER = "dim italic"
STYLE_WARNING = "bold red"
STYLE_WARNING_BORDER = "red"
STYLE_ID = "cyan"


def _span_style(flags: int) -> str:
    parts = []
    if flags & BOLD:
        parts.append("bold")
    if flags & ITALIC:
        parts.append("italic")
    if flags & CODE:
        parts.append("cyan")
    if flags & STRIKE:
        parts.append("strike")
    if flags & LINK:
        parts.append("underline")
    return " ".join(parts)


def spans_text(spans: Iterable[tuple[str, int]]) -> Text:
    text = Text()
    for chunk, flags in spans:
        text.append(
            safe(" ".join(chunk.split(" ")) if flags & CODE else _squash(chunk)),
            _span_style(flags) or None,
        )
    return text


def _squash(chunk: str) -> str:
    # Collapse runs of spaces from the source; keep hard line breaks.
    return _SPACES.sub(" ", chunk)


class ListRows:
    """Rows of a label (a list marker, a question number) and text wrapped beside it.

    Lays out exactly as the two-column grid from `grid()` would, segment for segment, without
    importing rich.table (see docs/benchmarks.md): labels right-aligned at their widest, one
    space, then text folded into the rest of the width. When the labels leave no room for
    text, the grid itself renders the rows. Tests compare the two at many widths.
    """

    def __init__(self, rows: Sequence[tuple[Text, Text]]) -> None:
        self.rows = list(rows)
        # As in the grid, a label is padded by one space on its right.
        self._cells = [(Padding(label, (0, 1, 0, 0)), text) for label, text in self.rows]

    def grid(self) -> Table:
        from rich.table import Table

        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True, justify="right")
        grid.add_column(overflow="fold")
        for label, text in self.rows:
            grid.add_row(label, text)
        return grid

    def _widths(self, console: Console, options: ConsoleOptions) -> tuple[int, int] | None:
        """The grid's column widths at options.max_width; None if it would shrink the labels."""
        width = options.max_width
        if not self._cells:
            return None
        label_width = max(
            Measurement.get(console, options, cell).maximum for cell, _ in self._cells
        )
        if label_width >= width:
            return None
        text_width = max(Measurement.get(console, options, text).maximum for _, text in self.rows)
        return label_width, min(text_width or 1, width - label_width)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        widths = self._widths(console, options)
        if widths is None:
            return Measurement.get(console, options, self.grid())
        at = options.update_width(sum(widths))
        minimum = maximum = 0
        for column in (0, 1):
            sizes = [Measurement.get(console, at, cells[column]) for cells in self._cells]
            minimum += min(max(m.minimum for m in sizes), at.max_width)
            maximum += min(max(m.maximum for m in sizes), at.max_width)
        return Measurement(minimum, maximum)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        widths = self._widths(console, options)
        if widths is None:
            yield self.grid()
            return
        label_width, text_width = widths
        null = Style.null()
        label_options = options.update(
            width=label_width,
            justify="right",
            no_wrap=True,
            overflow="ellipsis",
            height=None,
            highlight=False,
        )
        text_options = options.update(
            width=text_width,
            justify="left",
            no_wrap=False,
            overflow="fold",
            height=None,
            highlight=False,
        )
        blank_label = [Segment(" " * label_width, null)]
        blank_text = [Segment(" " * text_width, null)]
        new_line = Segment.line()
        for label, text in self._cells:
            label_lines = console.render_lines(label, label_options, style=null)
            text_lines = console.render_lines(text, text_options, style=null)
            for n in range(max(len(label_lines), len(text_lines))):
                yield from label_lines[n] if n < len(label_lines) else blank_label
                yield from text_lines[n] if n < len(text_lines) else blank_text
                yield new_line


def _list_rows(items: list[Block]) -> ListRows:
    return ListRows(
        [(Text("  " * b.depth + (b.marker or " ")), spans_text(b.spans)) for b in items]
    )


def blocks(items: Sequence[Block]) -> list[RenderableType]:
    out: list[RenderableType] = []
    run: list[Block] = []

    def flush() -> None:
        if run:
            out.append(_list_rows(run))
            run.clear()

    for b in items:
        if b.kind == "li":
            run.append(b)
            continue
        flush()
        if b.kind == "p":
            out.append(spans_text(b.spans))
        elif b.kind == "quote":
            out.append(Padding(spans_text(b.spans), (0, 0, 0, 2), expand=False))
        elif b.kind == "h":
            out.append(Text(safe(b.plain().strip()), style=STYLE_SUBHEADING))
        elif b.kind == "code":
            out.append(Padding(Text(safe(b.plain()), style="cyan"), (0, 0, 0, 4), expand=False))
        elif b.kind == "hr":
            out.append(Text("─" * 8, style=STYLE_META))
    flush()
    spaced: list[RenderableType] = []
    for r in out:
        if spaced:
            spaced.append(Text())
        spaced.append(r)
    return spaced


def title_block(mono: Monograph) -> list[RenderableType]:
    head = Text(safe_line(mono.title), style=STYLE_TITLE)
    head.append(f"  ({safe_line(mono.id)})", style=STYLE_META)
    out: list[RenderableType] = [head]
    meta = []
    if mono.drug_class:
        meta.append(safe_line(mono.drug_class))
    if mono.aliases:
        meta.append("also: " + ", ".join(safe_line(a) for a in mono.aliases))
    if meta:
        out.append(Text(" · ".join(meta), style=STYLE_META))
    return out


def footer() -> Text:
    return Text(FOOTER, style=STYLE_FOOTER)


def section(sec: Section) -> list[RenderableType]:
    body = blocks(sec.blocks) or [Text("(empty)", style=STYLE_META)]
    return [
        Text(safe_line(sec.label), style=STYLE_HEADING),
        Padding(Group(*body), (0, 0, 0, 2), expand=False),
    ]


def boxed_warning(sec: Section) -> RenderableType:
    """A label's boxed warning: framed and marked, so it cannot be read past."""
    from rich.panel import Panel

    body = blocks(sec.blocks) or [Text("(empty)", style=STYLE_META)]
    return Panel(
        Group(*body),
        title=Text(f" {safe_line(sec.label).upper()} ", style=STYLE_WARNING),
        title_align="left",
        border_style=STYLE_WARNING_BORDER,
        expand=True,
    )


def monograph(mono: Monograph, sections: Sequence[Section]) -> Group:
    """The page: a boxed warning first (whichever sections were chosen), then the sections."""
    parts: list[RenderableType] = title_block(mono)
    for sec in mono.sections:
        if sec.key == BOXED_WARNING:
            parts += [Text(), boxed_warning(sec)]
    for sec in sections:
        if sec.key == BOXED_WARNING:
            continue
        parts.append(Text())
        parts.extend(section(sec))
    if not sections:
        parts += [Text(), Text("This monograph has no text.", style=STYLE_META)]
    notes = provenance(mono)
    if notes:
        parts += [Text(), *notes]
    parts += [Text(), footer()]
    return Group(*parts)


def provenance(mono: Monograph) -> list[Text]:
    """Lines above the footer: an imported label's source and date; labels that exist too."""
    out = []
    label = mono.label or {}
    if mono.imported is not None:
        date = label.get("effective_time", "")
        if len(date) == 8 and date.isdigit():
            date = f"{date[:4]}-{date[4:6]}-{date[6:]}"
        what = " ".join(
            p
            for p in ("FDA", label.get("product_type", ""), "label", label.get("manufacturer"))
            if p
        )
        line = f"Source: {what}" + (f", effective {date}" if date else "")
        if label.get("url"):
            line += f" · {label['url']}"
        out.append(Text(safe_line(line), style=STYLE_META))
    if mono.fda_labels:
        ids = ", ".join(mono.fda_labels)
        out.append(
            Text(safe_line(f"An FDA label exists too: {ids} (medref show ID)"), style=STYLE_META)
        )
    return out


UNREAD_FAQS_NOTE = "These FAQs could not be read as questions and answers; shown as written:"


def faqs(
    mono: Monograph, items: Sequence[Faq], query: str | None = None, unread: str | None = None
) -> Group:
    parts: list[RenderableType] = title_block(mono)
    parts.append(Text())
    if unread:
        parts.append(Text(UNREAD_FAQS_NOTE, style=STYLE_META))
        parts.append(Text(safe(unread)))
        parts.append(Text())
    if not items and not (unread and not query):
        what = f" matching {safe_line(query)!r}" if query else ""
        parts.append(Text(f"No questions{what}.", style=STYLE_META))
    rows: list[tuple[Text, Text]] = []
    for n, f in enumerate(items, 1):
        q = Text(safe(f.question), style=STYLE_QUESTION)
        if f.ingredient:
            q.append(f"  ({safe_line(f.ingredient)})", style=STYLE_META)
        rows.append((Text(f"{n}.", style=STYLE_QUESTION), q))
        rows.append((Text(""), Text(safe(f.answer))))
        if n < len(items):
            rows.append((Text(""), Text("")))
    if items:
        parts.append(ListRows(rows))
    parts += [Text(), footer()]
    return Group(*parts)


def search_results(result: Any, notes: Sequence[str] = ()) -> Group:
    from medref.query import split_marks

    parts: list[RenderableType] = []
    if result.corrected_query:
        parts.append(
            Text(f"showing results for {safe_line(result.corrected_query)!r}", style="italic")
        )
        parts.append(Text())
    for note in notes:
        parts.append(Text(note, style=STYLE_META))
    for n, hit in enumerate(result.hits, 1):
        head = Text(f"{n}. ", style=STYLE_META)
        head.append(safe_line(hit.title), style=STYLE_TITLE)
        head.append(f" ({safe_line(hit.id)})", style=STYLE_ID)
        head.append(f" · {safe_line(hit.heading)}", style=STYLE_META)
        snippet = Text()
        for piece, matched in split_marks(hit.snippet):
            snippet.append(safe(" ".join(piece.split("\n"))), STYLE_MATCH if matched else None)
        parts.append(head)
        parts.append(Padding(snippet, (0, 0, 0, 3), expand=False))
        parts.append(Text())
    shown = len(result.hits)
    if result.total > shown:
        parts.append(
            Text(f"{shown} of {result.total} shown; use --limit for more.", style=STYLE_META)
        )
    parts.append(footer())
    return Group(*parts)


def listing(rows: Sequence[dict[str, Any]]) -> Table:
    from rich.table import Table

    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    table.add_column("id", style=STYLE_ID, overflow="fold")
    table.add_column("title", overflow="fold")
    table.add_column("sections", justify="right")
    table.add_column("source", style=STYLE_META, overflow="fold")
    for r in rows:
        table.add_row(
            safe_line(r["id"]),
            safe_line(r["title"]),
            str(len(r["sections"])),
            safe_line(r["source"]),
        )
    return table


def index_pairs(info: dict[str, Any]) -> list[tuple[str, str]]:
    """`medref index` as label/value lines."""
    pairs = [
        ("cache", info["path"]),
        ("monographs", f"{info['monographs']} (from {info['files']} files)"),
        ("built", str(info["built"])),
        ("updated", str(info["updated"])),
    ]
    for c in info["corpora"]:
        pairs.append(("corpus", f"{c['path']}  [{c['origin']}, {c['monographs']} monographs]"))
    for r in info["renamed"]:
        pairs.append(("renamed", f"{r['source']} -> id '{r['id']}' (its stem is taken)"))
    for o in info["overridden"]:
        pairs.append(("overridden", f"{o['source']} (id '{o['id']}' comes from an earlier corpus)"))
    if info["unreadable"]:
        pairs.append(("unreadable", f"{info['unreadable']} files; run 'medref validate'"))
    return pairs


def key_values(pairs: Sequence[tuple[str, str]]) -> Table:
    from rich.table import Table

    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for k, v in pairs:
        table.add_row(k, safe(v))
    return table


# Below this many columns per monograph, compare stacks monographs instead of side by side.
COMPARE_MIN_COLUMN = 36


def compare(
    monos: Sequence[Monograph], keys: Sequence[str], chosen: Sequence[Sequence[Section]], width: int
) -> RenderableType:
    """Chosen sections side by side, one column per monograph; stacked when too narrow."""
    if width < COMPARE_MIN_COLUMN * len(monos):
        parts: list[RenderableType] = []
        for mono, secs in zip(monos, chosen, strict=True):
            parts += title_block(mono)
            for key in keys:
                parts.append(Text())
                parts.extend(_compare_cell(key, secs))
            parts.append(Text())
        parts.append(footer())
        return Group(*parts)
    from rich.table import Table

    table = Table(show_lines=True, expand=True, header_style=STYLE_TITLE)
    for mono in monos:
        table.add_column(Text(safe_line(mono.title), style=STYLE_TITLE), overflow="fold", ratio=1)
    for key in keys:
        table.add_row(*[Group(*_compare_cell(key, secs)) for secs in chosen])
    return Group(table, footer())


def _compare_cell(key: str, secs: Sequence[Section]) -> list[RenderableType]:
    mine = [s for s in secs if s.key == key]
    if not mine:
        return [Text(key, style=STYLE_HEADING), Text("(not in this monograph)", style=STYLE_META)]
    out: list[RenderableType] = []
    for s in mine:
        if out:
            out.append(Text())
        out.append(Text(safe_line(s.label), style=STYLE_HEADING))
        out.extend(blocks(s.blocks))
    return out


def import_summary(summary: Any) -> list[str]:
    """`medref import` in plain lines: what was read, written and left out, and why."""
    lines = [
        f"read {summary.labels_read} labels into {summary.out_dir}",
        f"monographs: {summary.written} new, {summary.updated} updated,"
        f" {summary.unchanged} unchanged, {summary.removed} removed",
    ]
    if summary.retitled:
        lines.append(
            f"titled from their own text: {summary.retitled} labels whose openfda names"
            " described another product"
        )
    if summary.skipped:
        lines.append(f"skipped: {len(summary.skipped)}")
        lines += [f"  {source}: {reason}" for source, reason in summary.skipped]
    return lines
