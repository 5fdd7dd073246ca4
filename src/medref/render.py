"""Models to Rich renderables. The only module that decides how things look.

Styles use the terminal's own foreground plus bold, italic, underline and standard named
colours, so pages stay readable on light and dark themes. All monograph text passes
through `safe()` so nothing in a file can steer the terminal.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.measure import Measurement
from rich.padding import Padding
from rich.segment import Segment
from rich.style import Style
from rich.text import Span, Text

from medref.models import (
    BOLD,
    BOXED_WARNING,
    CELL,
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


@lru_cache(maxsize=128)
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
    pieces: list[str] = []
    styled: list[Span] = []
    at = 0
    for chunk, flags in spans:
        if chunk.isprintable() and "  " not in chunk:
            piece = chunk  # nothing to escape or squash (the common case, checked cheaply)
        else:
            piece = safe(" ".join(chunk.split(" ")) if flags & CODE else _squash(chunk))
        style = _span_style(flags)
        if style and piece:
            styled.append(Span(at, at + len(piece), style))
        pieces.append(piece)
        at += len(piece)
    return Text("".join(pieces), spans=styled)


def _squash(chunk: str) -> str:
    # Collapse runs of spaces from the source; keep hard line breaks.
    return _SPACES.sub(" ", chunk)


# A long list is laid out and printed this many rows at a time, so a page of any length
# never becomes one renderable (see `monograph_parts`).
LIST_CHUNK = 500


def one_line(console: Console, text: Text, width: int, justify: str) -> list[Segment] | None:
    """The segments Rich renders for text that fits on one line of width, or None.

    Rich wraps every text through its general word-wrapping machinery, whose cost dwarfs the
    rest of a page made of many short list items. A text with no line break or tab that
    fits the width is one line whatever wrapping does; this takes the steps Rich's own
    wrapping takes for such a line (justify, pad, join, render) and nothing else. Texts
    that ask for their own justify, overflow or wrapping go the general way. Tests compare
    the two on generated texts and widths.
    """
    if text.justify is not None or text.overflow is not None or text.no_wrap is not None:
        return None
    plain = text.plain
    if "\n" in plain or "\t" in plain or len(plain) > width:
        return None
    if justify == "right":
        size = cell_len(plain.rstrip())
    elif justify == "left":
        size = cell_len(plain)
    else:
        return None
    if size > width:
        return None
    if not text.spans and not text.style:
        # What the steps below come to for text without styles: one segment.
        if justify == "right":
            return [Segment(" " * (width - size) + plain.rstrip())]
        return [Segment(plain + " " * (width - size))]
    line = text.copy()
    if justify == "right":
        line.rstrip()
        line.pad_left(width - size)
    else:
        line.truncate(width, pad=True)
    return list(_NEWLINE.join([line]).render(console))


_NEWLINE = Text("\n")


def list_layout(widths: Sequence[int], depths: Sequence[int]) -> list[tuple[int, int]]:
    """Where each row's label starts and how wide its column is (label and one space).

    widths are the labels' widths. A nested row's label starts where its parent's text
    starts; the labels of one (sub)list share the width of its widest, right-aligned.
    """
    layout: list[tuple[int, int]] = [(0, 0)] * len(depths)
    open_lists: list[list[int]] = []  # rows of each list open at depths 0..d
    starts: list[int] = []  # where each open list's labels start
    for n, depth in enumerate(depths):
        # A row nests at most one level below the one before it.
        depth = min(depth, len(open_lists))
        while len(open_lists) > depth + 1:
            _close(open_lists.pop(), layout, widths, starts.pop())
        if len(open_lists) < depth + 1:
            # A list's labels start after its parent's label column, once that is known.
            starts.append(open_lists[-1][-1] if open_lists else -1)
            open_lists.append([])
        open_lists[-1].append(n)
    while open_lists:
        _close(open_lists.pop(), layout, widths, starts.pop())
    # Starts were recorded as parent rows; resolve them from the top down.
    for n, (parent, column) in enumerate(layout):
        if parent >= 0:
            start, width = layout[parent]
            layout[n] = (start + width, column)
        else:
            layout[n] = (0, column)
    return layout


def _close(
    rows: list[int], layout: list[tuple[int, int]], widths: Sequence[int], parent: int
) -> None:
    column = max(widths[n] for n in rows) + 1
    for n in rows:
        layout[n] = (parent, column)


class ListRows:
    """Rows of a label (a list marker, a question number) and text wrapped beside it.

    Flat rows lay out exactly as the two-column grid from `grid()` would, segment for
    segment, without importing rich.table (see docs/benchmarks.md): labels right-aligned at
    their widest, one space, then text folded into the rest of the width. Nested rows
    (depths) start their label where their parent's text starts (see `list_layout`), so
    "1. Adults" keeps "• 20 mg daily" under its text. When the labels leave no room for
    text, the grid renders the rows, labels indented by depth. Tests compare flat rows with
    the grid at many widths.

    `layout` fixes each row's label start and column, for a long list printed in chunks
    that must line up; text then fills the rest of the width (pages are printed without
    trailing spaces, so only those differ from a measured width).
    """

    def __init__(
        self,
        rows: Sequence[tuple[Text, Text]],
        depths: Sequence[int] | None = None,
        layout: Sequence[tuple[int, int]] | None = None,
    ) -> None:
        self.rows = list(rows)
        self.depths = list(depths) if depths is not None else [0] * len(self.rows)
        self.layout = list(layout) if layout is not None else None
        self.nested = any(self.depths) or layout is not None
        # As in the grid, a label is padded by one space on its right.
        self._cells = [(Padding(label, (0, 1, 0, 0)), text) for label, text in self.rows]

    def grid(self) -> Table:
        from rich.table import Table

        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True, justify="right")
        grid.add_column(overflow="fold")
        for (label, text), depth in zip(self.rows, self.depths, strict=True):
            if depth:
                label = Text("  " * depth).append_text(label)
            grid.add_row(label, text)
        return grid

    def _layout(self) -> list[tuple[int, int]]:
        if self.layout is not None:
            return self.layout
        return list_layout([label.cell_len for label, _ in self.rows], self.depths)

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
        if self.nested:
            layout = self._layout()
            width = options.max_width
            if any(start + column >= width for start, column in layout):
                return Measurement.get(console, options, self.grid())
            minimum = maximum = 0
            for (_, text), (start, column) in zip(self.rows, layout, strict=True):
                size = Measurement.get(console, options.update_width(width - start - column), text)
                minimum = max(minimum, start + column + size.minimum)
                maximum = max(maximum, start + column + size.maximum)
            return Measurement(minimum, maximum).with_maximum(width)
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
        if not self._cells:
            return
        if self.nested:
            layout = self._layout()
            width = options.max_width
            if any(start + column >= width for start, column in layout):
                yield self.grid()
                return
            yield from self._lines(console, options, [(s, c, width - s - c) for s, c in layout])
            return
        widths = self._widths(console, options)
        if widths is None:
            yield self.grid()
            return
        label_width, text_width = widths
        yield from self._lines(console, options, [(0, label_width, text_width)] * len(self.rows))

    def _lines(
        self, console: Console, options: ConsoleOptions, places: list[tuple[int, int, int]]
    ) -> RenderResult:
        """The rows, each at (label start, label column, text width)."""
        null = Style.null()
        new_line = Segment.line()
        pad = Segment(" ", null)
        # Labels repeat ("•", "1." in each sublist): each is laid out once per column.
        label_cache: dict[tuple[str, int], list[list[Segment]]] = {}
        for (label, text), (cell, _), (start, column, text_width) in zip(
            self.rows, self._cells, places, strict=True
        ):
            plain_label = not label.spans and not label.style
            label_lines = label_cache.get((label.plain, column)) if plain_label else None
            if label_lines is None:
                fast = one_line(console, label, column - 1, "right") if column > 1 else None
                if fast is not None:
                    label_lines = [[*fast, pad]]
                else:
                    label_options = options.update(
                        width=column,
                        justify="right",
                        no_wrap=True,
                        overflow="ellipsis",
                        height=None,
                        highlight=False,
                    )
                    label_lines = console.render_lines(cell, label_options, style=null)
                if plain_label:
                    label_cache[(label.plain, column)] = label_lines
            fast = one_line(console, text, text_width, "left")
            if fast is not None:
                text_lines = [fast]
            else:
                text_options = options.update(
                    width=text_width,
                    justify="left",
                    no_wrap=False,
                    overflow="fold",
                    height=None,
                    highlight=False,
                )
                text_lines = console.render_lines(text, text_options, style=null)
            indent = [Segment(" " * start, null)] if start else []
            for n in range(max(len(label_lines), len(text_lines))):
                yield from indent
                yield from label_lines[n] if n < len(label_lines) else [Segment(" " * column, null)]
                yield from (
                    text_lines[n] if n < len(text_lines) else [Segment(" " * text_width, null)]
                )
                yield new_line


def _list_rows(items: Sequence[Block], layout: Sequence[tuple[int, int]] | None = None) -> ListRows:
    labels: dict[str, Text] = {}  # one Text per marker: rows only read their labels
    return ListRows(
        [
            (
                labels.get(b.marker) or labels.setdefault(b.marker, Text(b.marker or " ")),
                spans_text(b.spans),
            )
            for b in items
        ],
        [b.depth for b in items],
        layout,
    )


# Narrower columns than this read badly, and Rich would drop some columns altogether to fit:
# below it a table is shown one row at a time, each cell under its column's name.
MIN_COLUMN = 8


def table(rows: Sequence[Block]) -> RenderableType:
    """A Markdown table's rows ("th" then "td" blocks): aligned columns where they fit."""
    return _TableBlock(rows)


class _TableBlock:
    """A table whose layout depends on the width it gets."""

    def __init__(self, rows: Sequence[Block]) -> None:
        self.rows = rows

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Any]:
        cells = [_cells(row) for row in self.rows]
        count = max(len(c) for c in cells)
        if count * (MIN_COLUMN + 2) > options.max_width + 2:
            yield _stacked(self.rows, cells)
        else:
            yield _columns(self.rows, cells, count)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(min(options.max_width, MIN_COLUMN), options.max_width)


def _stacked(rows: Sequence[Block], cells: list[list[Text]]) -> RenderableType:
    """Each body row as "Header: cell" lines, a blank line between rows."""
    head = cells[0] if rows[0].kind == "th" else None
    out: list[RenderableType] = []
    for row in cells[1:] if head is not None else cells:
        if out:
            out.append(Text())
        for n, cell in enumerate(row):
            name = head[n].plain if head is not None and n < len(head) else f"{n + 1}"
            line = Text(f"{name}: ", style=STYLE_SUBHEADING)
            line.append_text(cell)
            out.append(line)
    return Group(*out)


def _columns(rows: Sequence[Block], cells: list[list[Text]], count: int) -> RenderableType:
    from rich import box
    from rich.table import Table

    head = rows[0] if rows[0].kind == "th" else None
    justify = {"l": "left", "c": "center", "r": "right"}
    grid = Table(
        box=box.SIMPLE_HEAD,
        show_header=head is not None,
        header_style=STYLE_SUBHEADING,
        pad_edge=False,
        show_edge=False,
    )
    for n in range(count):
        how = head.marker[n] if head is not None and n < len(head.marker) else "-"
        grid.add_column(
            cells[0][n] if head is not None and n < len(cells[0]) else "",
            justify=justify.get(how, "left"),  # type: ignore[arg-type]
            overflow="fold",
            # Never narrower than its widest cell or MIN_COLUMN, whichever is less: Rich
            # would otherwise shrink some columns to nothing to fit the others.
            min_width=min(MIN_COLUMN, max((r[n].cell_len for r in cells if n < len(r)), default=1)),
        )
    for row in cells[1:] if head is not None else cells:
        grid.add_row(*row)
    return grid


def _cells(row: Block) -> list[Text]:
    """A table row's cells, split at the CELL separators."""
    cells: list[list[tuple[str, int]]] = [[]]
    for chunk, flags in row.spans:
        if flags & CELL:
            cells.append([])
        else:
            cells[-1].append((chunk, flags))
    return [spans_text(c) for c in cells]


def block_parts(items: Sequence[Block]) -> Iterator[RenderableType]:
    """A section's blocks as renderables, a blank line between blocks; long lists in chunks."""
    first = True
    for parts in _block_groups(items):
        if not first:
            yield Text()
        first = False
        yield from parts


def _block_groups(items: Sequence[Block]) -> Iterator[Iterable[RenderableType]]:
    """Each block (a list or a table: each run of items or rows) as its renderables."""
    n = 0
    while n < len(items):
        b = items[n]
        end = n + 1
        kinds = ("li",) if b.kind == "li" else ("th", "td") if b.kind in ("th", "td") else ()
        while kinds and end < len(items) and items[end].kind in kinds and items[end].kind != "th":
            end += 1
        if b.kind == "li":
            run = items[n:end]
            if len(run) <= LIST_CHUNK:
                yield [_list_rows(run)]
            else:
                layout = list_layout(
                    [cell_len(b.marker or " ") for b in run], [b.depth for b in run]
                )
                # Made one chunk at a time, as they are printed.
                chunks = range(0, len(run), LIST_CHUNK)
                yield (
                    _list_rows(run[k : k + LIST_CHUNK], layout[k : k + LIST_CHUNK]) for k in chunks
                )
        elif kinds:
            yield [table(items[n:end])]
        elif b.kind == "p":
            yield [spans_text(b.spans)]
        elif b.kind == "quote":
            yield [Padding(spans_text(b.spans), (0, 0, 0, 2), expand=False)]
        elif b.kind == "h":
            yield [Text(safe(b.plain().strip()), style=STYLE_SUBHEADING)]
        elif b.kind == "code":
            yield [Padding(Text(safe(b.plain()), style="cyan"), (0, 0, 0, 4), expand=False)]
        elif b.kind == "hr":
            yield [Text("─" * 8, style=STYLE_META)]
        n = end


def blocks(items: Sequence[Block]) -> list[RenderableType]:
    return list(block_parts(items))


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


class Indent:
    """A renderable moved right by some columns, streamed line by line as it renders.

    Unlike Padding, lines are neither held together nor padded to the width: a long list
    stays a stream of rows, and pages are printed without trailing spaces anyway.
    """

    def __init__(self, renderable: RenderableType, size: int) -> None:
        self.renderable = renderable
        self.size = size

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        inner = Measurement.get(
            console, options.update_width(max(1, options.max_width - self.size)), self.renderable
        )
        return Measurement(inner.minimum + self.size, inner.maximum + self.size).with_maximum(
            options.max_width
        )

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        inner = options.update_width(max(1, options.max_width - self.size))
        margin = Segment(" " * self.size)
        new_line = Segment.line()
        for line in Segment.split_lines(console.render(self.renderable, inner)):
            yield margin
            yield from line
            yield new_line


def section(sec: Section) -> list[RenderableType]:
    return list(section_parts(sec))


def section_parts(sec: Section) -> Iterator[RenderableType]:
    """A section's heading, then its blocks indented one by one (a long list in chunks).

    Each part renders at the full width less the indent: as the page is printed without
    trailing spaces, that is what measuring the section's widest line would give.
    """
    yield Text(safe_line(sec.label), style=STYLE_HEADING)
    shown = False
    for part in block_parts(sec.blocks):
        shown = True
        yield Indent(part, 2)
    if not shown:
        yield Indent(Text("(empty)", style=STYLE_META), 2)


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
    """The page as one renderable (see monograph_parts)."""
    return Group(*monograph_parts(mono, sections))


def monograph_parts(mono: Monograph, sections: Sequence[Section]) -> Iterator[RenderableType]:
    """The page, part by part, made as it is printed: a boxed warning first (whichever
    sections were chosen), then the sections."""
    yield from title_block(mono)
    for sec in mono.sections:
        if sec.key == BOXED_WARNING:
            yield Text()
            yield boxed_warning(sec)
    for sec in sections:
        if sec.key == BOXED_WARNING:
            continue
        yield Text()
        yield from section_parts(sec)
    if not sections:
        yield Text()
        yield Text("This monograph has no text.", style=STYLE_META)
    notes = provenance(mono)
    if notes:
        yield Text()
        yield from notes
    yield Text()
    yield footer()


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
    if not items and not (unread and not query):
        what = f" matching {safe_line(query)!r}" if query else ""
        if unread:
            parts.append(Text())
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
        if unread:
            parts.append(Text())
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
        # Styles per piece: a style on the whole line would dim the title too.
        head = Text()
        head.append(f"{n}. ", style=STYLE_META)
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


class PathText:
    """A file path that wraps only after a `/` (a piece longer than the width is folded)."""

    def __init__(self, path: str, style: str = "") -> None:
        self.pieces = _PATH_PIECES.findall(path) or [""]
        self.style = style

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        sizes = [cell_len(p) for p in self.pieces]
        return Measurement(max(sizes), sum(sizes)).with_maximum(options.max_width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        lines: list[str] = []
        for piece in self.pieces:
            if lines and cell_len(lines[-1]) + cell_len(piece) <= width:
                lines[-1] += piece
            else:
                lines.append(piece)
        yield Text("\n".join(lines), style=self.style, overflow="fold")


_PATH_PIECES = re.compile(r"[^/]*/|[^/]+")


class Listing:
    """`medref list` on a terminal: a table when ids, title words and path pieces all fit
    whole at the width; otherwise each monograph stacked on its own lines. Ids and titles
    are never broken inside a word; paths wrap after a `/`."""

    def __init__(self, rows: Sequence[dict[str, Any]]) -> None:
        self.rows = [
            (safe_line(r["id"]), safe_line(r["title"]), len(r["sections"]), safe_line(r["source"]))
            for r in rows
        ]

    def _fits(self, width: int) -> bool:
        def widest(values: Iterable[str], header: str) -> int:
            return max([cell_len(header), *(cell_len(v) for v in values)])

        ids = widest((r[0] for r in self.rows), "id")
        words = widest((w for r in self.rows for w in r[1].split()), "title")
        pieces = widest((p for r in self.rows for p in _PATH_PIECES.findall(r[3])), "source")
        # Two columns of space between the four columns.
        return ids + words + len("sections") + pieces + 3 * 2 <= width

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if self._fits(options.max_width):
            yield self._table()
            return
        for mono_id, title, count, source in self.rows:
            head = Text(overflow="fold")
            head.append(mono_id, style=STYLE_ID)
            head.append(f"  {title}")
            yield head
            yield Indent(PathText(f"{count} sections · {source}", STYLE_META), 2)

    def _table(self) -> Table:
        from rich.table import Table

        table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
        table.add_column("id", style=STYLE_ID, no_wrap=True)
        table.add_column("title")
        table.add_column("sections", justify="right", no_wrap=True)
        table.add_column("source", style=STYLE_META)
        for mono_id, title, count, source in self.rows:
            table.add_row(mono_id, title, str(count), PathText(source))
        return table


def listing(rows: Sequence[dict[str, Any]]) -> Listing:
    return Listing(rows)


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
    if info["skipped"]:
        reasons = Counter(s["reason"] for s in info["skipped"])
        pairs.append(
            ("skipped", "; ".join(f"{n} ({reason})" for reason, n in sorted(reasons.items())))
        )
    if info["unreadable"]:
        pairs.append(("unreadable", f"{info['unreadable']} files; run 'medref validate'"))
    return pairs


def key_values(pairs: Sequence[tuple[str, str]]) -> Table:
    from rich.table import Table

    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for k, v in pairs:
        # Values that start with a path wrap after a "/", never inside a folder's name.
        table.add_row(k, PathText(safe(v)) if v.startswith("/") else safe(v))
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
