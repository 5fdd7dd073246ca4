"""Where a monograph's sections begin, what their keys are and which lines belong to them.

This is the one place that decides a monograph's sections. Index builds use it alone
(with `plain_text` for the searchable text), so a build needs no Markdown parse; `parse.py`
uses the same outline and parses each section's lines with markdown-it-py for display.
So the index and the page never disagree about sections.

The block scanner reads lines the way CommonMark (and markdown-it-py) finds top-level
blocks: fenced and indented code, HTML blocks, lists, block quotes, ATX and setext
headings, thematic breaks and paragraphs. Only headings and paragraphs that open with a
bold label can start a section; everything else only needs its extent. tests/test_outline.py
checks the sections against those found from markdown-it-py's own tokens.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from medref.labels import (
    EXTRA_LABELS,
    LEADING_QUALIFIERS,
    SECTION_LABELS,
    SECTION_WORDS,
    WEAK_LABELS,
    canonical_key,
    label_key,
)
from medref.names import slugify

_ATX = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"( {0,3})(`{3,}|~{3,})(.*)$")
_HR = re.compile(r" {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_SETEXT = re.compile(r" {0,3}(=+|-+)[ \t]*$")
_LIST = re.compile(r"( {0,3})([-+*]|\d{1,9}[.)])([ \t]+|$)")
_QUOTE = re.compile(r" {0,3}>")
_QUOTE_MARK = re.compile(r"^ {0,3}>[ \t]?")
_TABLE_RULE = re.compile(r"\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*")
# HTML blocks (CommonMark 4.6): kinds 1-5 end at a marker, 6 and 7 at a blank line.
_HTML_1 = re.compile(r" {0,3}<(?:script|pre|style|textarea)(?:\s|>|$)", re.I)
_HTML_1_END = re.compile(r"</(?:script|pre|style|textarea)>", re.I)
_HTML_6 = re.compile(
    r" {0,3}</?(?:address|article|aside|base|basefont|blockquote|body|caption|center|col"
    r"|colgroup|dd|details|dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame"
    r"|frameset|h[1-6]|head|header|hr|html|iframe|legend|li|link|main|menu|menuitem|nav"
    r"|noframes|ol|optgroup|option|p|param|search|section|summary|table|tbody|td|tfoot|th"
    r"|thead|title|tr|track|ul)(?:\s|/?>|$)",
    re.I,
)
_HTML_7 = re.compile(
    r" {0,3}(?:<[A-Za-z][A-Za-z0-9-]*(?:\s+[A-Za-z_:][\w.:-]*(?:\s*=\s*(?:[^\s\"'=<>`]+"
    r"|'[^']*'|\"[^\"]*\"))?)*\s*/?>|</[A-Za-z][A-Za-z0-9-]*\s*>)\s*$"
)
_BOLD_LABEL = re.compile(r"\s*(\*\*|__)(.+?)\1")


@dataclass(slots=True)
class Top:
    """A top-level block: its lines and what it could start."""

    line: int  # first line, 0-based within the body
    end_line: int  # one past its last line
    heading_level: int  # 0 when not a heading
    text: str  # heading text, or "" for other blocks
    label: str | None  # bold lead-in label of a paragraph
    canonical: str | None  # canonical key of the heading label or bold lead-in
    kind: str = "other"  # "heading", "paragraph", "list", "html" (ends at a blank line) or "other"
    lone: bool = False  # the label is a bold line without a colon (`**Usage**`)
    # Filled in by with_canonical: what the heading or label names.
    shown: str = ""  # the heading shown to people
    value: str | None = None  # text after "Heading:" on the heading line
    named: str | None = None  # the ingredient the heading names ("Dosage (Codeine)")
    # Named with words before the section word ("Adult Dose", "Ibuprofen Dosage"): it starts
    # a section at a section's level, but deeper inside one it is a sub-heading.
    weak: bool = False


@dataclass(slots=True)
class Start:
    top: int
    line: int
    key: str
    heading: str
    level: int  # heading level; 7 for bold labels and implicit sections
    ingredient: str | None
    by_label: bool = False
    value: str | None = None
    skip_first: bool = True  # the first top block is the heading itself
    implicit: bool = False  # preamble/overview: emitted only when it has content
    unknown: bool = False  # a heading that looks like a section but names none


@dataclass(slots=True)
class SectionSpan:
    """One section: its key, heading and lines (0-based, within the body), before parsing."""

    key: str
    heading: str
    begin: int  # first line of its Markdown source, heading or label included
    end: int  # one past its last line
    body_start: int  # first line of its content (after its heading)
    ingredient: str | None
    by_label: bool
    value: str | None  # text after "Heading:" on the heading line


@dataclass(slots=True)
class Note:
    """Something about the file's layout that `medref validate` reports."""

    code: str
    message: str
    line: int  # 0-based within the body


@dataclass(slots=True)
class Outline:
    sections: list[SectionSpan]
    h1: str | None  # the text of the H1 used as the title, if any
    # Body lines before which markdown-it-py must see a blank line to find the blocks found
    # here (a heading directly after an HTML block, bold section labels on consecutive lines).
    breaks: list[int]
    notes: list[Note]


# ---------------------------------------------------------------------------------------
# Inline text without Markdown (for headings, labels and the search index)

_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.S)
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\[[^\]]*\]")
_AUTOLINK = re.compile(r"<((?:https?|mailto|ftp):[^>\s]*)>", re.I)
_TAG = re.compile(r"</?[A-Za-z][^<>]*>|<!--.*?-->", re.S)
# Tags that separate text (list items, cells, paragraphs): a space, so words stay apart.
_BLOCK_TAG = re.compile(
    r"</?(?:li|p|div|br|tr|td|th|ul|ol|dd|dt|h[1-6]|table|summary|details)\b[^<>]*>", re.I
)
# Emphasis marks: doubled ones anywhere, single ones at a word's edge ("5 * 3" stays).
# Every branch starts with the mark itself and looks behind it afterwards, so the regex
# engine can skip straight to the next mark instead of trying each position of the text.
_EMPHASIS = re.compile(
    r"\*\*\*|\*\*|__|~~"
    r"|\*(?<![\w*]\*)(?=\S)|\*(?<=\S\*)(?![\w*])|_(?<![\w_]_)(?=\S)|_(?<=\S_)(?![\w_])"
)
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def inline_text(text: str) -> str:
    """Markdown inline text as plain text: links, emphasis, code marks and tags removed."""
    # Each pass only when its mark occurs: most text has few of them.
    if "`" in text:
        text = _CODE_SPAN.sub(lambda m: m.group(2).strip(" "), text)
    if "[" in text:
        text = _IMAGE.sub(r"\1", text)
        text = _LINK.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2), text)
    if "<" in text:
        text = _AUTOLINK.sub(r"\1", text)
        text = _BLOCK_TAG.sub(" ", text)
        text = _TAG.sub("", text)
    if "*" in text or "_" in text or "~" in text:
        text = _EMPHASIS.sub("", text)
    if "\\" in text:
        text = _ESCAPE.sub(r"\1", text)
    return html.unescape(text) if "&" in text else text


def _bold_label(first_line: str) -> tuple[str, bool] | None:
    """The label of a line opening with `**Label:**` or `**Label**:`, or being `**Label**`.

    Returns (label, lone): lone when the line is the bold text alone, without a colon.
    """
    if first_line.lstrip()[:2] not in ("**", "__"):  # most paragraphs: spares the pattern
        return None
    m = _BOLD_LABEL.match(first_line)
    if not m:
        return None
    bold = inline_text(m.group(2))
    rest = first_line[m.end() :].strip()
    lone = False
    if ":" in bold:
        label = bold.partition(":")[0]
    elif rest.startswith(":"):
        label = bold
    elif not rest:
        label, lone = bold, True
    else:
        return None
    label = label.strip()
    return (label, lone) if label else None


def label_line(line: str) -> str | None:
    """The label of a line that opens with a bold section label, which starts a paragraph.

    Bold section labels on consecutive lines (`**Usage:** ...` then `**Dosage:** ...`) are
    one paragraph to CommonMark; medref reads each as the start of its own block.
    """
    if not line.lstrip(" ").startswith(("**", "__")) or _indent(line) >= 4:
        return None
    found = _bold_label(line)
    if found is None:
        return None
    # Section words only: a "**Warning:**" or "**Note:**" line inside a paragraph is a remark.
    label = found[0]
    if label_key(label) not in WEAK_LABELS and name_section(label, (), heading=False):
        return label
    return None


# ---------------------------------------------------------------------------------------
# The block scanner


# Every block but a paragraph opens with one of these characters after at most three spaces
# (or a decimal digit, for ordered lists): the scanner tries a block's pattern only on a line
# that starts with one of its characters, and most lines of text start with none.
_MARKS = frozenset("#`~<>-*_+=|")


def _indent(line: str) -> int:
    """The line's indentation, a tab reaching the next multiple of 4."""
    stripped = line.lstrip(" ")
    if not stripped.startswith("\t"):
        return len(line) - len(stripped)
    n = 0
    for c in line:
        if c == " ":
            n += 1
        elif c == "\t":
            n += 4 - n % 4
        else:
            break
    return n


def _html_start(line: str, in_paragraph: bool) -> int:
    """The CommonMark HTML block kind a line opens (1-7), or 0."""
    stripped = line.lstrip(" ")
    if len(line) - len(stripped) > 3 or not stripped.startswith("<"):
        return 0
    if _HTML_1.match(line):
        return 1
    if stripped.startswith("<!--"):
        return 2
    if stripped.startswith("<?"):
        return 3
    if stripped.startswith("<![CDATA["):
        return 5
    if re.match(r"<![A-Za-z]", stripped):
        return 4
    if _HTML_6.match(line):
        return 6
    if not in_paragraph and _HTML_7.match(line):
        return 7
    return 0


_HTML_ENDS = {2: "-->", 3: "?>", 4: ">", 5: "]]>"}


def _html_ends(kind: int, line: str) -> bool:
    if kind == 1:
        return bool(_HTML_1_END.search(line))
    return _HTML_ENDS[kind] in line


def tops(lines: list[str], breaks: list[tuple[int, str]] | None = None) -> list[Top]:
    """The top-level blocks of Markdown lines, as markdown-it-py finds them.

    Where a block ends that CommonMark would not end (see INTENDED in tests/test_outline.py),
    `breaks` gets (the next block's line, "html" or "label").
    """
    out: list[Top] = []
    n = len(lines)
    i = 0
    while i < n:
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        start = i
        stripped = line.lstrip(" ")
        first = stripped[0]
        if len(line) - len(stripped) >= 4 or first == "\t":
            # Indented code (a tab in the indentation reaches 4): runs to the next non-blank
            # line indented less.
            i += 1
            while i < n and (not lines[i].strip() or _indent(lines[i]) >= 4):
                i += 1
            while i > start + 1 and not lines[i - 1].strip():
                i -= 1
            out.append(Top(start, i, 0, "", None, None))
            continue
        if first not in _MARKS and not first.isdecimal():
            i = _paragraph(lines, i, out, breaks)  # most lines: no other block starts so
            continue
        m = _FENCE.match(line) if first in "`~" else None
        if m and not (m.group(2)[0] == "`" and "`" in m.group(3)):
            fence = m.group(2)
            i += 1
            while i < n:
                close = lines[i]
                i += 1
                if _indent(close) < 4:
                    s = close.strip()
                    if s.startswith(fence[0] * len(fence)) and not s.strip(fence[0]):
                        break
            out.append(Top(start, i, 0, "", None, None))
            continue
        m = _ATX.match(line) if first == "#" else None
        if m:
            text = inline_text((m.group(2) or "").strip())
            out.append(Top(i, i + 1, len(m.group(1)), text, None, None, "heading"))
            i += 1
            continue
        kind = _html_start(line, in_paragraph=False) if first == "<" else 0
        if kind:
            if kind <= 5:
                while i < n and not _html_ends(kind, lines[i]):
                    i += 1
                i = min(i + 1, n)
                out.append(Top(start, i, 0, "", None, None))
                continue
            # A heading line ends the HTML block here, unlike CommonMark, which would show
            # it as text: a file that puts `### Usage` right after `</div>` means a heading.
            i += 1
            while i < n and lines[i].strip() and not _ATX.match(lines[i]):
                i += 1
            out.append(Top(start, i, 0, "", None, None, "html"))
            if breaks is not None and i < n and lines[i].strip():
                breaks.append((i, "html"))
            continue
        if first in "-*_" and _HR.match(line):
            out.append(Top(i, i + 1, 0, "", None, None))
            i += 1
            continue
        if first == ">":  # _QUOTE
            i = _quote_end(lines, i)
            out.append(Top(start, i, 0, "", None, None))
            continue
        m = _LIST.match(line) if first in "-*+" or first.isdecimal() else None
        if m:
            i = _list_end(lines, i)
            out.append(Top(start, i, 0, "", None, None, "list"))
            continue
        i = _paragraph(lines, i, out, breaks)
    return out


def _interrupts(line: str) -> bool:
    """Does this line end a paragraph (start another block) rather than continue it?"""
    stripped = line.lstrip(" ")
    if not stripped.strip():
        return True
    first = stripped[0]
    if len(line) - len(stripped) >= 4 or first == "\t":
        return False
    if first not in _MARKS and not first.isdecimal():
        return False
    if first == ">" or (first == "#" and _ATX.match(line)):
        return True
    if first in "-*_" and line.count(first) >= 3 and _HR.match(line):  # it takes three marks
        return True
    m = _FENCE.match(line) if first in "`~" else None
    if m and not (m.group(2)[0] == "`" and "`" in m.group(3)):
        return True
    if first == "<" and _html_start(line, in_paragraph=True):
        return True
    m = _LIST.match(line) if first in "-*+" or first.isdecimal() else None
    if m:
        marker = m.group(2)
        empty = not line[m.end() :].strip()
        # An ordered list interrupts a paragraph only when it starts at 1; no empty item does.
        return not empty and (not marker[0].isdigit() or marker[:-1] == "1")
    return False


def _paragraph(
    lines: list[str], i: int, out: list[Top], breaks: list[tuple[int, str]] | None = None
) -> int:
    """A paragraph from line i (or a setext heading, or a table); returns the line after it."""
    n = len(lines)
    start = i
    if "|" in lines[i] and i + 1 < n and _TABLE_RULE.fullmatch(lines[i + 1]):
        # A table (GFM): its rows run to a blank line or the start of another block.
        i += 2
        while i < n and lines[i].strip() and _indent(lines[i]) < 4 and not _interrupts(lines[i]):
            i += 1
        out.append(Top(start, i, 0, "", None, None))  # never a label
        return i
    i += 1
    while i < n:
        line = lines[i]
        if line.lstrip(" ")[:1] in ("=", "-") and _SETEXT.match(line):  # never indented 4
            text = inline_text(" ".join(s.strip() for s in lines[start:i]))
            level = 1 if line.strip()[0] == "=" else 2
            out.append(Top(start, i + 1, level, text, None, None, "heading"))
            return i + 1
        if (
            not line.strip()  # the usual end: spares _interrupts
            or _interrupts(line)
            or ("|" in line and i + 1 < n and _TABLE_RULE.fullmatch(lines[i + 1]))
        ):
            break  # another block, or a table (which may interrupt a paragraph)
        i += 1
    first = lines[start]
    if (
        "|" in first
        and start + 1 < n
        and re.fullmatch(r"\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*", lines[start + 1])
    ):
        out.append(Top(start, i, 0, "", None, None))  # a table: never a label
        return i
    # Split the paragraph at lines that open with a bold section label (see label_line).
    piece = start
    for j in range(start + 1, i):
        if lines[j].lstrip(" ")[:2] in ("**", "__") and label_line(lines[j]):
            out.append(_paragraph_top(lines, piece, j))
            piece = j
            if breaks is not None:
                breaks.append((j, "label"))
    out.append(_paragraph_top(lines, piece, i))
    return i


def _paragraph_top(lines: list[str], start: int, end: int) -> Top:
    found = _bold_label(lines[start])
    if found is None:
        return Top(start, end, 0, "", None, None, "paragraph")
    return Top(start, end, 0, "", found[0], None, "paragraph", lone=found[1])


def _quote_end(lines: list[str], i: int) -> int:
    """A block quote runs while lines start with `>`, or continue its paragraph lazily."""
    n = len(lines)
    lazy = _continues_paragraph(_QUOTE_MARK.sub("", lines[i]))
    i += 1
    while i < n:
        line = lines[i]
        if _QUOTE.match(line):
            lazy = _continues_paragraph(_QUOTE_MARK.sub("", line))
            i += 1
        elif lazy and line.strip() and not _interrupts(line) and not _LIST.match(line):
            # markdown-it ends a quote at any list marker, even "2." or an empty item,
            # which could not interrupt a paragraph outside a quote.
            i += 1  # a lazy continuation of the quoted paragraph
        else:
            break
    return i


def _continues_paragraph(content: str) -> bool:
    """Is this line (an item's content) paragraph text, which a lazy line may continue?"""
    text = content.strip()
    if not text:
        return False
    # Not a heading, thematic break, fence or setext underline (each tried only where the
    # first character allows it; its own indentation was checked by the caller).
    first = text[0]
    if first == "#":
        return not _ATX.match(text)
    if first in "`~":
        return not _FENCE.match(text)
    if first in "-*_":
        if text.count(first) >= 3 and _HR.match(text):  # a break takes three marks
            return False
        return not (first == "-" and _SETEXT.match(text))
    return not (first == "=" and _SETEXT.match(text))


def _list_marker(line: str) -> re.Match[str] | None:
    """_LIST's match of a line, tried only when its first character after spaces can open
    an item."""
    first = line.lstrip(" ")[:1]
    return _LIST.match(line) if first and (first in "-*+" or first.isdecimal()) else None


def list_items(lines: list[str], start: int) -> list[int]:
    """The first line of each item of the top-level list that begins at line `start`."""
    items: list[int] = []
    _list_end(lines, start, items)
    return items


def _list_end(lines: list[str], i: int, items: list[int] | None = None) -> int:
    """A list runs while its items continue: indented lines, blank lines inside, new items."""
    n = len(lines)
    m = _LIST.match(lines[i])
    assert m is not None
    bullet = m.group(2)[-1]
    while True:  # m: the match of this item's marker line
        if items is not None:
            items.append(i)
        width = m.end(2)  # the marker's indentation and the marker
        spaces = len(m.group(3).expandtabs(4))
        rest = lines[i][m.end() :]
        content = width + (spaces if 1 <= spaces <= 4 and rest.strip() else 1)
        # Whether a line indented less may continue the item's paragraph lazily depends on
        # its last line inside the item: worked out only when such a line comes.
        # Five or more spaces after the marker: the item opens with indented code, which no
        # line continues lazily.
        last, lazy = rest, (False if spaces > 4 and rest.strip() else None)
        i += 1
        last_blank = False
        nxt = None  # the match of a list marker on the line the item ends at
        while i < n:
            line = lines[i]
            if not line.strip():
                last_blank = True
                i += 1
                continue
            if _indent(line) >= content:
                last_blank = False
                last, lazy = line, None
                i += 1
                continue
            # A list marker indented less than the item's content never continues its
            # paragraph (markdown-it ends the paragraph there; a same-list item follows).
            if not last_blank:
                nxt = _list_marker(line)
                if nxt is None:
                    if lazy is None:
                        lazy = _continues_paragraph(last)
                    if lazy and not _interrupts(line):
                        i += 1  # a lazy continuation of the item's paragraph
                        continue
            break
        if i < n:
            if nxt is None:
                nxt = _list_marker(lines[i])
            # "* * *" is a thematic break, which ends the list, not an item (it takes three
            # marks, so most lines need no regular expression to tell).
            if (
                nxt
                and nxt.group(2)[-1] == bullet
                and _indent(lines[i]) < 4
                and not (lines[i].count(bullet) >= 3 and _HR.match(lines[i]))
            ):
                m = nxt
                continue  # the next item of the same list
        # Trailing blank lines are not part of the list.
        while i > 0 and not lines[i - 1].strip():
            i -= 1
        return i


# ---------------------------------------------------------------------------------------
# Deciding sections


def split_heading(text: str) -> tuple[str, str | None]:
    """'Generic Name: Colostrum' -> ('Generic Name', 'Colostrum'); 'Usage:' -> ('Usage', None)."""
    text = text.strip()
    if ":" in text:
        label, _, value = text.partition(":")
        if canonical_key(label) or label_key(label) in EXTRA_LABELS or not value.strip():
            return label.strip(), value.strip() or None
    return text, None


# What a heading or label names. A name is (its words, as written, is it one ingredient).
Name = tuple[tuple[str, ...], str, bool]

_WORD = re.compile(r"[^\W_]+")
# What may follow a section word for the rest to be a qualifier ("Usage (Adults)", "Dosage –
# Adults") or a second section word ("Usage/Indications", "Precautions & Warnings").
_AFTER_SECTION = re.compile(r"\s*(?:[(\[:,/&+|\u2013\u2014-]|(?:and|or)\b)", re.I)
_QUALIFIER_EDGES = re.compile(r"^[\s(\[:,/&+|\u2013\u2014-]+|[\s)\]:.]+$")
_INGREDIENT_SPLIT = re.compile(r"\s+(?:\+|&|/|and|with)\s+|\s*[+,]\s*", re.I)


_FIRST_WORDS = frozenset(k.split()[0] for k in SECTION_LABELS)
_HEADING_FIRST_WORDS = LEADING_QUALIFIERS | {"how"}


class Named(NamedTuple):  # a NamedTuple: one is made for most headings and labels
    key: str
    heading: str  # as shown to people
    ingredient: str | None
    weak: bool = False  # words come before the section word (see Top.weak)


def title_names(title: str | None) -> tuple[Name, ...]:
    """The names a heading may start with: the title, and each ingredient of a combination."""
    if not title or not title.strip():
        return ()
    names: list[Name] = [(_words(title), title.strip(), False)]
    parts = [p.strip() for p in _INGREDIENT_SPLIT.split(title) if p.strip()]
    if len(parts) > 1:
        names += [(_words(p), p, True) for p in parts]
    return tuple(n for n in names if n[0])


def _words(text: str) -> tuple[str, ...]:
    return tuple(w for m in _WORD.finditer(text) if (w := label_key(m.group())))


# Headings and labels are cached: the same ones ("Usage", "**Adults:**") come back in file
# after file. Long ones are not: they are rare, and the cache would keep them alive.
_CACHED_LENGTH = 100


def _exact_key(label: str) -> str | None:
    if len(label) > _CACHED_LENGTH:
        return SECTION_LABELS.get(label_key(label))
    return _cached_exact_key(label)


@lru_cache(maxsize=4096)
def _cached_exact_key(label: str) -> str | None:
    return SECTION_LABELS.get(label_key(label))


def name_section(text: str, names: tuple[Name, ...] = (), *, heading: bool) -> Named | None:
    """The section a heading (or, with heading=False, a bold label) names, if any.

    The first section word decides the key and the text is shown as written: "Usage
    (Adults)", "Precautions & Warnings", "Uses and Dosage". A qualifier that is one of the
    names' ingredients becomes the section's ingredient ("Dosage (Codeine)"). Headings only
    (bold labels inside a section are too often remarks): a population word before the
    section word ("Adult Dose") and the title or an ingredient before it ("Codeine: Usage",
    "How Codeine Works").
    """
    if len(text) > _CACHED_LENGTH:
        return _name_section(text, names, heading)
    return _cached_name_section(text, names, heading)


@lru_cache(maxsize=4096)
def _cached_name_section(text: str, names: tuple[Name, ...], heading: bool) -> Named | None:
    return _name_section(text, names, heading)


def _name_section(text: str, names: tuple[Name, ...], heading: bool) -> Named | None:
    label = text.strip()
    lk = label_key(label)
    key = SECTION_LABELS.get(lk)
    if key:
        return Named(key, label, None)
    # Most labels name no section ("Adults:"): their first word already says so.
    word = lk.partition(" ")[0]
    if word not in _FIRST_WORDS and not (
        heading and (word in _HEADING_FIRST_WORDS or any(n[0][0] == word for n in names))
    ):
        return None
    words = [(m.start(), m.end(), label_key(m.group())) for m in _WORD.finditer(label)]
    words = [w for w in words if w[2]]
    if not words or len(words) > 12:  # a sentence, not a section heading
        return None
    found = _qualified(label, words, names)
    if found or not heading:
        return found
    lead = 0
    while lead < len(words) - 1 and words[lead][2] in LEADING_QUALIFIERS:
        lead += 1
    if lead and (found := _qualified(label, words[lead:], names)):
        return Named(found.key, label, found.ingredient, True)
    for name_words, as_written, ingredient in names:
        n = len(name_words)
        if len(words) > n and tuple(w[2] for w in words[:n]) == name_words:
            rest = label[words[n - 1][1] :].lstrip(" \t:,\u2013\u2014-")
            inner = name_section(rest, (), heading=True)
            if inner:
                if ingredient:
                    return Named(inner.key, inner.heading, as_written, True)
                return Named(inner.key, label, inner.ingredient, True)
    if words[0][2] == "how" and words[-1][2] in ("works", "work"):
        middle = tuple(w[2] for w in words[1:-1] if w[2] not in ("does", "do"))
        for name_words, as_written, ingredient in names:
            if middle == name_words:
                if ingredient:
                    return Named("how-it-works", "How it Works", as_written, True)
                return Named("how-it-works", label, None, True)
    return None


def _qualified(
    label: str, words: list[tuple[int, int, str]], names: tuple[Name, ...]
) -> Named | None:
    """A section word at the start of words, followed by nothing or by a qualifier."""
    for k in range(min(len(words), 5), 0, -1):
        key = SECTION_LABELS.get(" ".join(w[2] for w in words[:k]))
        if key:
            break
    else:
        return None
    end = words[k - 1][1]
    rest = label[end:]
    if rest.strip() and not _AFTER_SECTION.match(rest):
        return None  # "Use in pregnancy" is not the Usage section
    qualifier = _words(_QUALIFIER_EDGES.sub("", rest))
    if qualifier:
        for name_words, as_written, ingredient in names:
            if qualifier == name_words:
                return Named(key, label[words[0][0] : end], as_written if ingredient else None)
    return Named(key, label, None)


def _not_named(label: str, title: str) -> bool:
    """A heading that cannot name a section, whatever the names: spares working them out."""
    lk, title_key = label_key(label), label_key(title)
    first = lk.partition(" ")[0]
    return lk == title_key or not (
        first in _FIRST_WORDS or first in _HEADING_FIRST_WORDS or first in title_key.split()
    )


def with_canonical(
    blocks: list[Top], names: tuple[Name, ...] = (), *, title: str | None = None
) -> list[Top]:
    """Fill in what each heading and bold label names (its canonical key, shown heading...).

    Headings may name the monograph: `names`, or those of `title` (worked out only when a
    heading needs them).
    """
    for t in blocks:
        if t.heading_level:
            label, t.value = split_heading(t.text)
            key = _exact_key(label)  # most headings: their own words, cached
            if key:
                found: Named | None = Named(key, label.strip(), None)
            elif title is not None and _not_named(label, title):
                found = None  # the title itself, or no word a section or name starts with
            else:
                if title is not None:
                    names, title = title_names(title), None
                found = name_section(label, names, heading=True)
        elif t.label:
            label = t.label
            found = name_section(label, heading=False)
            if found and label_key(label) in WEAK_LABELS:
                found = None  # a lead-in like an extra label (see WEAK_LABELS)
        else:
            continue
        if found:
            t.canonical, t.shown, t.named, t.weak = (
                found.key,
                found.heading,
                found.ingredient,
                found.weak,
            )
        else:
            t.canonical, t.shown, t.named, t.weak = None, label, None, False
    return blocks


def _group_flags(blocks: list[Top]) -> list[bool]:
    """For each heading: does a canonical label follow before the next heading at its level?"""
    flags = [False] * len(blocks)
    seen = [False] * 8  # is there a canonical label after this point, before a heading <= L?
    for k in range(len(blocks) - 1, -1, -1):
        top = blocks[k]
        if top.heading_level:
            lvl = top.heading_level
            flags[k] = seen[lvl]
            for level in range(lvl, 8):
                seen[level] = False
        if top.canonical and not top.lone:  # a lone bold line may be a sub-title
            for level in range(1, (top.heading_level or 8)):
                seen[level] = True
    return flags


def _looks_like_a_section(label: str) -> bool:
    lk = label_key(label)
    return lk not in EXTRA_LABELS and any(w in SECTION_WORDS for w in lk.split())


def find_starts(blocks: list[Top]) -> tuple[list[Start], str | None]:
    """Decide where sections begin. Returns (starts, text of the H1 used as title)."""
    starts: list[Start] = [
        Start(0, 0, "overview", "Overview", 7, None, implicit=True, skip_first=False)
    ]
    h1_title: str | None = None
    group: tuple[str, int] | None = None
    groups = _group_flags(blocks)
    last_heading = max((k for k, t in enumerate(blocks) if t.heading_level), default=-1)
    for k, top in enumerate(blocks):
        cur = starts[-1]
        if top.heading_level:
            level = top.heading_level
            label, value = top.shown or top.text, top.value
            if group and level <= group[1]:
                group = None
            if level == 1 and h1_title is None and not top.canonical and cur.implicit:
                h1_title = top.text
                starts.append(Start(k, top.line, "overview", "Overview", 7, None, implicit=True))
                continue
            ingredient = top.named or (group[0] if group else None)
            inside = not cur.implicit and cur.level < level  # deeper than the current section
            if top.canonical and not (
                # "#### Warnings" inside Precautions, or "#### Ibuprofen Dosage" and
                # "#### Recommended Dose" inside any section, is a sub-heading of it.
                inside and (top.weak or (top.canonical == cur.key and not top.named))
            ):
                starts.append(
                    Start(k, top.line, top.canonical, label, level, ingredient, value=value)
                )
            elif cur.key == "faqs" and top.text.endswith("?") and not cur.implicit:
                continue  # one heading per question stays inside the FAQs
            elif groups[k] and top.text:
                group = (top.text, level)
                starts.append(
                    Start(k, top.line, "overview", top.text, level, top.text, implicit=True)
                )
            elif inside:
                continue  # a sub-heading inside the current section
            else:
                label, value = split_heading(top.text)
                key = slugify(label) or "section"
                starts.append(
                    Start(
                        k,
                        top.line,
                        key,
                        label or top.text,
                        level,
                        ingredient,
                        value=value,
                        unknown=_looks_like_a_section(label),
                    )
                )
        elif top.label:
            lk = label_key(top.label)
            ingredient = top.named or (group[0] if group else None)
            label_layout = cur.implicit or cur.by_label
            if top.lone and not label_layout:
                continue  # a bold line inside a section under a heading is a sub-title
            if top.canonical and top.canonical == cur.key and not cur.implicit and not top.named:
                continue  # "**How to take:**" inside Dosage is part of it, not a new one
            if top.canonical or (lk in EXTRA_LABELS and (label_layout or k > last_heading)):
                key = top.canonical or SECTION_LABELS.get(lk) or slugify(top.label)
                shown = top.shown or top.label
                starts.append(
                    Start(k, top.line, key, shown, 7, ingredient, by_label=True, skip_first=False)
                )
    return starts, h1_title


def _has_content(lines: list[str], start: int, end: int) -> bool:
    return any(line.strip() for line in lines[start:end])


def first_h1(blocks: list[Top]) -> str | None:
    return next((t.text for t in blocks if t.heading_level == 1), None)


def outline(lines: list[str], title: str | None = None) -> Outline:
    """The sections of a monograph body (the lines after its front matter).

    `title` (from the front matter; else the first H1) names the monograph and, for a
    combination, its ingredients, which headings may name ("Codeine: Usage").
    """
    cuts: list[tuple[int, str]] = []
    blocks = tops(lines, cuts)
    with_canonical(blocks, title=title or first_h1(blocks) or "")
    starts, h1 = find_starts(blocks)
    spans: list[SectionSpan] = []
    carry_line: int | None = None  # an empty group heading's line joins the next section
    for n, st in enumerate(starts):
        nxt = starts[n + 1] if n + 1 < len(starts) else None
        end_line = nxt.line if nxt else len(lines)
        begin = st.line
        body_start = blocks[st.top].end_line if st.skip_first and blocks else st.line
        if st.implicit:
            if st.ingredient is None and not _has_content(lines, body_start, end_line):
                continue
            if st.ingredient is not None and not _has_content(
                lines, blocks[st.top].end_line, end_line
            ):
                carry_line = st.line if carry_line is None else carry_line
                continue
            begin = body_start if st.ingredient is None else st.line
        if carry_line is not None:
            begin, carry_line = carry_line, None
        spans.append(
            SectionSpan(
                st.key,
                st.heading,
                begin,
                end_line,
                body_start,
                st.ingredient,
                st.by_label,
                st.value,
            )
        )
    return Outline(
        _ingredients_from_generic_names(spans, lines),
        h1,
        [c[0] for c in cuts],
        _notes(cuts, starts, lines),
    )


def _notes(cuts: list[tuple[int, str]], starts: list[Start], lines: list[str]) -> list[Note]:
    notes = [
        Note(
            "html-heading",
            f"heading {inline_text(lines[line].strip())!r} follows an HTML block without a"
            " blank line; other Markdown readers show it as text: add a blank line before it",
            line,
        )
        for line, why in cuts
        if why == "html"
    ]
    for st in starts:
        if st.unknown:
            notes.append(
                Note(
                    "unknown-section",
                    f"heading {st.heading!r} looks like a section but names none medref"
                    f" knows; it is kept as section '{st.key}'",
                    st.line,
                )
            )
    return notes


def _ingredients_from_generic_names(
    spans: list[SectionSpan], lines: list[str]
) -> list[SectionSpan]:
    """In files that repeat the section set without ingredient headings, tag each repeat."""
    keys = [s.key for s in spans if s.ingredient is None and s.key != "overview"]
    generic = [s for s in spans if s.key == "generic-name" and s.ingredient is None]
    if len(generic) < 2 or len(keys) == len(set(keys)):
        return spans
    current: str | None = None
    for s in spans:
        if s.key == "generic-name" and s.ingredient is None:
            first = s.value or next(
                (line.strip() for line in lines[s.body_start : s.end] if line.strip()), ""
            )
            current = plain_text([first]).strip() or None
        if s.ingredient is None:
            s.ingredient = current
    return spans


# ---------------------------------------------------------------------------------------
# Searchable text without a Markdown parse

# Whole-text passes (one regex call per section, not per line). Each line-start pattern
# begins with the newline before the line, so the regex engine jumps from line to line
# instead of trying every character; plain_text puts a newline before the first line.
_BLOCK_MARKS = re.compile(
    r"\n[ \t]*(?:"
    r"(?:[-*_][ \t]*){3,}$"  # thematic breaks
    r"|(?:`{3,}|~{3,}).*$"  # code fences
    r"|(?:=+|-+)[ \t]*$"  # setext underlines
    r"|\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$"  # table rules
    r")",
    re.M,
)
_LEAD_MARKS = re.compile(r"\n {0,3}(?=[>#])(?:>[ \t]?)*(?:#{1,6}[ \t]+)?")
# List markers: those at the margin (most) become "• " without a call per item; indented ones
# keep two spaces of indentation per level (_bullet).
_LIST_MARK = re.compile(r"\n(?:[-+*]|\d{1,9}[.)])[ \t]+")
_INDENTED_LIST_MARK = re.compile(r"\n( +)(?:[-+*]|\d{1,9}[.)])[ \t]+")
_CLOSING_HASHES = re.compile(r"[ \t]+#+[ \t]*$")
_TABLE_ROW = re.compile(r"\n[ \t]*\|(.*?)\|?[ \t]*$", re.M)
_BLANKS = re.compile(r"\n[ \t]*\n[ \t\n]*")


def _bullet(m: re.Match[str]) -> str:
    return "\n" + "  " * (len(m.group(1)) // 2) + "• "


def _table_row(m: re.Match[str]) -> str:
    return "\n" + " | ".join(c.strip() for c in m.group(1).split("|"))


def plain_text(lines: list[str]) -> str:
    """Section lines as clean searchable text: Markdown marks removed, list items as `• `."""
    text = "\n" + "\n".join(lines)
    if not text.strip():
        return ""
    text = _BLOCK_MARKS.sub("\n", text)
    text = _LEAD_MARKS.sub("\n", text)
    text = _LIST_MARK.sub("\n• ", text)
    text = _INDENTED_LIST_MARK.sub(_bullet, text)
    if "#" in text:  # only lines with a hash can end in closing hashes
        text = "\n".join(
            _CLOSING_HASHES.sub("", line) if "#" in line else line for line in text.split("\n")
        )
    if "|" in text:
        text = _TABLE_ROW.sub(_table_row, text)
    text = inline_text(text)
    # Runs of spaces are left as written: the search index ignores them, and the few words
    # of a snippet are tidied when one is shown (index/search.py).
    if "\t" in text:
        text = text.replace("\t", " ")
    return _BLANKS.sub("\n\n", text).strip()
