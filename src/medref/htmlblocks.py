"""HTML blocks in monographs as blocks: lists (`<ul>`, `<ol>`, `<li>`) become list items.

Collections exported from web pages carry HTML lists; without this they read as one run-on
paragraph. Other HTML keeps only its text, as one paragraph.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

from medref.models import BOLD, CODE, HREF, ITALIC, LINK, Block, Span

_TAG = re.compile(r"<[^>]*>")
_SUMMARY = re.compile(r"<summary[^>]*>(.*?)</summary>", re.I | re.S)
_SPACE = re.compile(r"\s+")
_INLINE_FLAGS = {"b": BOLD, "strong": BOLD, "i": ITALIC, "em": ITALIC, "code": CODE, "a": LINK}
# Tags that end a paragraph or an item's first line.
_BREAKS = frozenset({"p", "div", "br", "table", "tr", "h1", "h2", "h3", "h4", "h5", "h6"})


def html_blocks(html: str, depth: int = 0) -> list[Block]:
    """The blocks of an HTML block; depth is the Markdown list nesting it sits in."""
    if "<li" not in html.lower():
        return _text_blocks(html)
    reader = _ListReader(depth)
    reader.feed(html)
    reader.close()
    reader.flush()
    return reader.blocks


def _text_blocks(html: str) -> list[Block]:
    """HTML without lists as its text; a `<summary>` (of `<details>`, a FAQ's question) is a
    bold line of its own."""
    out: list[Block] = []
    pos = 0
    for m in _SUMMARY.finditer(html):
        out += _text_block(html[pos : m.start()])
        summary = _SPACE.sub(" ", unescape(_TAG.sub("", m.group(1)))).strip()
        if summary:
            out.append(Block("p", ((summary, BOLD),)))
        pos = m.end()
    return out + _text_block(html[pos:])


def _text_block(html: str) -> list[Block]:
    text = _TAG.sub("", html).strip()
    return [Block("p", ((text, 0),))] if text else []


def shows_address(href: str, text: str) -> bool:
    """Whether a link's address is worth printing after its text (not when it is the text)."""
    if not href or href.startswith("#"):
        return False
    return text not in (href, href.removeprefix("mailto:"))


class _ListReader(HTMLParser):
    def __init__(self, depth: int) -> None:
        super().__init__(convert_charrefs=True)
        self.base = depth
        self.blocks: list[Block] = []
        self.lists: list[list[int]] = []  # per open list: [ordered (0/1), next number]
        self.spans: list[Span] = []
        self.flags = 0
        self.href = ""
        self.link_start = 0  # where the open link's text begins in spans
        self.marker: str | None = None  # the open item's marker, until its text is out
        self.in_item = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("ul", "ol"):
            self.flush()
            start = dict(attrs).get("start") or "1"
            self.lists.append([tag == "ol", int(start) if start.isdigit() else 1])
        elif tag == "li":
            self.flush()
            current = self.lists[-1] if self.lists else [False, 1]
            if current[0]:
                self.marker = f"{current[1]}."
                current[1] += 1
            else:
                self.marker = "•"
            self.in_item = True
        elif tag in _INLINE_FLAGS:
            self.flags |= _INLINE_FLAGS[tag]
            if tag == "a":
                self.href = dict(attrs).get("href") or ""
                self.link_start = len(self.spans)
        elif tag in _BREAKS:
            self.flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("ul", "ol"):
            self.flush()
            if self.lists:
                self.lists.pop()
            self.in_item = bool(self.lists)
        elif tag == "li":
            self.flush()
            self.in_item = False
        elif tag in _INLINE_FLAGS:
            self.flags &= ~_INLINE_FLAGS[tag]
            if tag == "a":
                text = "".join(t for t, _ in self.spans[self.link_start :]).strip()
                if shows_address(self.href, text):
                    self.spans.append((f" ({self.href})", self.flags | HREF))
                self.href = ""
        elif tag in _BREAKS:
            self.flush()

    def handle_data(self, data: str) -> None:
        text = _SPACE.sub(" ", data)
        if text.strip() or self.spans:
            self.spans.append((text, self.flags))

    def flush(self) -> None:
        """End the text read so far as a list item (or its continuation) or a paragraph."""
        spans = _tidy(self.spans)
        self.spans = []
        if not spans:
            return
        if self.in_item and self.lists:
            depth = self.base + len(self.lists) - 1
            self.blocks.append(Block("li", spans, depth, self.marker or ""))
            self.marker = None
        else:
            self.blocks.append(Block("p", spans))


def _tidy(spans: list[Span]) -> tuple[Span, ...]:
    """Spans with the outer spaces trimmed and neighbours of the same style merged."""
    out: list[Span] = []
    for text, flags in spans:
        if out and out[-1][1] == flags:
            out[-1] = (out[-1][0] + text, flags)
        elif text:
            out.append((text, flags))
    if out:
        out[0] = (out[0][0].lstrip(), out[0][1])
        out[-1] = (out[-1][0].rstrip(), out[-1][1])
    return tuple(s for s in out if s[0])
