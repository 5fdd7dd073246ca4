"""Monograph text to `Monograph`: front matter, labelled sections and FAQ pairs.

The body is read with markdown-it-py tokens. The parser labels what each piece is (a
section, a list item, bold text) and never decides how it looks; that is render.py's job.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import itertools
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from medref.htmlblocks import html_blocks, shows_address
from medref.models import (
    BOLD,
    CELL,
    CODE,
    HREF,
    ITALIC,
    LINK,
    STRIKE,
    Block,
    Faq,
    Monograph,
    Problem,
    Section,
    Span,
    blocks_text,
)
from medref.names import slugify
from medref.outline import Outline, SectionSpan, list_items, outline, tops

# A monograph is a few KB; anything this big is not one, and would stall every build.
MAX_FILE_BYTES = 8 * 2**20

_SPACE = re.compile(r"\s+")
_QA = re.compile(
    r"^(?:Q|Question)\s*[:.)]\s*(?P<q>.+?)\s+(?:A|Answer)\s*[:.)]\s*(?P<a>.*)$", re.S | re.I
)
_Q_ONLY = re.compile(r"^(?:Q|Question)\s*[:.)]\s*(?P<q>.+)$", re.S | re.I)
_A_PREFIX = re.compile(r"^(?:A|Answer)\s*[:.)]\s*", re.I)
# "1. Can I take it with food? Yes, with a meal.": a question and its answer on one line.
_QUESTION_THEN_ANSWER = re.compile(r"^(?P<q>[^?]{3,}\?)\s+(?P<a>\S.*)$", re.S)
_NUMBERED = re.compile(r"^(?:\d{1,3}|Q\d{1,3})[.):]\s+")
_TAG = re.compile(r"<[^>]*>")


@lru_cache(maxsize=1)
def _markdown() -> Any:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": True})
    md.enable("table")
    md.enable("strikethrough")
    return md


# ---------------------------------------------------------------------------------------
# Reading files


def read_text(path: Path) -> tuple[str, list[Problem]]:
    """Decode a monograph file. Raises OSError; binary files raise ValueError."""
    with open(path, "rb") as fh:
        # A read is given the file's size: asked for the limit, it would set that much
        # memory aside for every file.
        size = min(os.fstat(fh.fileno()).st_size, MAX_FILE_BYTES)
        data = fh.read(size + 1)
        if len(data) > size:  # grew since, or a size not known (a pipe): up to the limit
            data += fh.read(MAX_FILE_BYTES + 1 - len(data))
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"larger than {MAX_FILE_BYTES // 2**20} MiB, not a monograph")
    problems: list[Problem] = []
    if b"\x00" in data[:8192]:
        raise ValueError("binary file, not Markdown")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = data.decode("utf-8", errors="replace")
        line = data[: exc.start].count(b"\n") + 1
        problems.append(
            Problem("not-utf8", "not valid UTF-8; undecodable bytes replaced", line, "error")
        )
    return text, problems


def parse_file(path: Path, *, mono_id: str | None = None, corpus: str = "") -> Monograph:
    """Read and parse one file. Raises OSError or ValueError when it cannot be read at all."""
    text, problems = read_text(path)
    mono = parse(text, path=str(path), mono_id=mono_id, corpus=corpus)
    if problems:
        return _with_problems(mono, problems)
    return mono


def _with_problems(mono: Monograph, extra: list[Problem]) -> Monograph:
    return mono._replace(problems=tuple(extra) + mono.problems)


# ---------------------------------------------------------------------------------------
# Front matter


def _split_front_matter(lines: list[str]) -> tuple[dict[str, Any], int, list[Problem]]:
    """Return (front matter, index of the first body line, problems)."""
    if not lines or lines[0].rstrip() != "---":
        return {}, 0, []
    for j in range(1, len(lines)):
        if lines[j].rstrip() in ("---", "..."):
            break
    else:
        return (
            {},
            0,
            [Problem("front-matter-unclosed", "front matter has no closing '---'", 1, "error")],
        )
    source = "\n".join(lines[1:j])
    import yaml

    try:
        data = yaml.load(source, Loader=_yaml_loader()) if source.strip() else {}
    except Exception as exc:  # PyYAML raises more than YAMLError on odd tags (!!int "")
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        reason = (
            getattr(exc, "problem", None)
            or getattr(exc, "reason", None)  # ReaderError: a control character
            or type(exc).__name__
        )
        message = f"invalid YAML front matter: {reason}"
        return {}, j + 1, [Problem("front-matter-yaml", message, line, "error")]
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return (
            {},
            j + 1,
            [Problem("front-matter-yaml", "front matter is not a mapping", 1, "error")],
        )
    return {str(k): v for k, v in data.items()}, j + 1, []


# Plain scalars PyYAML still resolves in front matter: null (an empty value) and merge keys.
_KEPT_RESOLVERS = ("tag:yaml.org,2002:null", "tag:yaml.org,2002:merge")


@lru_cache(maxsize=1)
def _yaml_loader() -> Any:
    """PyYAML's safe loader, reading every other plain scalar as the text written.

    YAML 1.1 reads the alias NO (nitric oxide) as false, 010 as 8 and 1.10 as 1.1, and an
    impossible date such as 2025-02-30 fails the whole front matter. Names are text, and
    `reviewed` is text that `medref validate` checks.
    """
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    resolvers = {
        first: [(tag, regexp) for tag, regexp in pairs if tag in _KEPT_RESOLVERS]
        for first, pairs in base.yaml_implicit_resolvers.items()
    }
    return type("FrontMatterLoader", (base,), {"yaml_implicit_resolvers": resolvers})


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, list | dict):
        return None
    return str(value).strip() or None


def _as_mapping(value: Any) -> dict[str, str] | None:
    """A front-matter mapping of text values (an imported label's `source`), or None."""
    if not isinstance(value, dict):
        return None
    out = {str(k): text for k, v in value.items() if (text := _as_text(v)) is not None}
    return out or None


def _as_list(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    out = [t for t in (_as_text(v) for v in items) if t]
    return tuple(dict.fromkeys(out))


# ---------------------------------------------------------------------------------------
# Inline spans and blocks


def _inline_spans(token: Any) -> list[Span]:
    spans: list[Span] = []
    flags = 0
    href = ""
    link_start = 0  # where the open link's text begins in spans
    for child in token.children or ():
        t = child.type
        if t == "text":
            spans.append((child.content, flags))
        elif t == "code_inline":
            spans.append((child.content, flags | CODE))
        elif t == "softbreak":
            spans.append((" ", flags))
        elif t == "hardbreak":
            spans.append(("\n", flags))
        elif t == "strong_open":
            flags |= BOLD
        elif t == "strong_close":
            flags &= ~BOLD
        elif t == "em_open":
            flags |= ITALIC
        elif t == "em_close":
            flags &= ~ITALIC
        elif t == "s_open":
            flags |= STRIKE
        elif t == "s_close":
            flags &= ~STRIKE
        elif t == "link_open":
            flags |= LINK
            href = str(child.attrs.get("href") or "")
            link_start = len(spans)
        elif t == "link_close":
            flags &= ~LINK
            text = "".join(s for s, _ in spans[link_start:]).strip()
            if shows_address(href, text):
                spans.append((f" ({href})", flags | HREF))
            href = ""
        elif t == "image":
            spans.append((child.content, flags))
        elif t == "html_inline":
            # Tags such as <sub> carry no text of their own; keep powers readable (10^3).
            if child.content.lower().startswith("<sup"):
                spans.append(("^", flags))
        elif child.content:
            spans.append((child.content, flags))
    return _merge(spans)


def _merge(spans: list[Span]) -> list[Span]:
    out: list[Span] = []
    for text, flags in spans:
        if not text:
            continue
        if out and out[-1][1] == flags:
            out[-1] = (out[-1][0] + text, flags)
        else:
            out.append((text, flags))
    return out


def _strip_leading(spans: list[Span]) -> list[Span]:
    while spans and not spans[0][0].strip():
        spans = spans[1:]
    if spans:
        spans = [(spans[0][0].lstrip(), spans[0][1]), *spans[1:]]
    return spans


def _bold_label(spans: list[Span]) -> tuple[str, list[Span]] | None:
    """Split a leading `**Label:**` off spans: (label, the rest), or None."""
    spans = _strip_leading(spans)
    if not spans or not spans[0][1] & BOLD:
        return None
    bold = spans[0][0]
    rest = spans[1:]
    if ":" in bold:
        label, _, after = bold.partition(":")
        if after.strip():
            rest = [(after, spans[0][1]), *rest]
    elif rest and rest[0][0].lstrip().startswith(":"):
        label = bold
        rest = [(rest[0][0].lstrip()[1:], rest[0][1]), *rest[1:]]
    else:
        return None
    if not label.strip():
        return None
    return label.strip(), _strip_leading(rest)


_ALIGN = re.compile(r"text-align:\s*(left|center|right)")


def _lone_label_rest(spans: list[Span]) -> list[Span]:
    """The spans after a leading bold label written without a colon (`**Usage**`)."""
    spans = _strip_leading(spans)
    if spans and spans[0][1] & BOLD:
        return _strip_leading(spans[1:])
    return spans


def _table_rows(tokens: list[Any], i: int, end: int) -> list[Block]:
    """A table's rows: a "th" block for the header, "td" for the others, CELL between cells."""
    rows: list[Block] = []
    cells: list[list[Span]] = []
    align: list[str] = []
    header = False
    while i < end:
        t = tokens[i]
        if t.type == "thead_open":
            header = True
        elif t.type == "tbody_open":
            header = False
        elif t.type == "th_open":
            m = _ALIGN.search(str(t.attrs.get("style") or ""))
            align.append(m.group(1)[0] if m else "-")
        elif t.type == "inline":
            cells.append(_strip_leading(_inline_spans(t)))
        elif t.type == "tr_close":
            spans: list[Span] = []
            for n, cell in enumerate(cells):
                if n:
                    spans.append((" | ", CELL))
                spans.extend(cell)
            rows.append(Block("th" if header else "td", tuple(spans), 0, "".join(align)))
            align = []
            cells = []
        i += 1
    return rows


def _blocks(tokens: list[Any], start: int, end: int, carry: list[int] | None = None) -> list[Block]:
    """Turn the tokens in [start, end) into flat blocks; nesting becomes depth and markers.

    carry continues the numbering of a top-level ordered list parsed a slice at a time:
    empty for the first slice, it then holds the number of the next item.
    """
    out: list[Block] = []
    lists: list[list[Any]] = []  # [kind, next number]
    pending_marker = ""
    quote = 0
    i = start
    while i < end:
        t = tokens[i]
        kind = t.type
        if kind == "bullet_list_open":
            lists.append(["ul", 0])
        elif kind == "ordered_list_open":
            number = int(t.attrs.get("start", 1) or 1)
            if carry and not lists:
                number = carry[0]
            lists.append(["ol", number])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            if carry is not None and len(lists) == 1:
                carry[:] = [lists[0][1]]
            if lists:
                lists.pop()
        elif kind == "list_item_open":
            if lists and lists[-1][0] == "ol":
                pending_marker = f"{lists[-1][1]}."
                lists[-1][1] += 1
            else:
                pending_marker = "•"
        elif kind == "list_item_close":
            pending_marker = ""
        elif kind == "blockquote_open":
            quote += 1
        elif kind == "blockquote_close":
            quote = max(0, quote - 1)
        elif kind == "inline" and i > start and tokens[i - 1].type == "paragraph_open":
            spans = tuple(_inline_spans(t))
            if lists:
                out.append(Block("li", spans, len(lists) - 1, pending_marker))
                pending_marker = ""
            else:
                out.append(Block("quote" if quote else "p", spans))
        elif kind == "inline" and i > start and tokens[i - 1].type == "heading_open":
            level = int(tokens[i - 1].tag[1:])
            out.append(Block("h", tuple(_inline_spans(t)), level))
        elif kind in ("fence", "code_block"):
            out.append(Block("code", ((t.content.rstrip("\n"), CODE),), len(lists)))
        elif kind == "hr":
            out.append(Block("hr"))
        elif kind == "html_block":
            out.extend(html_blocks(t.content, len(lists)))
        elif kind == "table_open":
            close = i
            while close < end and tokens[close].type != "table_close":
                close += 1
            out.extend(_table_rows(tokens, i, close))
            i = close
        i += 1
    return out


# ---------------------------------------------------------------------------------------
# Sections


def _sections(
    tokens: list[Any],
    spans: list[SectionSpan],
    lines: list[str],
    line_offset: int,
    long_lists: dict[int, tuple[int, list[Block]]] | None = None,
) -> list[Section]:
    """Each section of the outline, with the blocks markdown-it-py finds in its lines.

    long_lists: blocks of lists parsed on their own (see `_long_lists`), by first line, with
    their end; their lines were left out of `tokens`.
    """
    # Top-level tokens by their first line: a section's blocks are those that start in it.
    tops = [
        (t.map[0], k)
        for k, t in enumerate(tokens)
        if t.level == 0 and t.nesting >= 0 and t.map is not None
    ]
    firsts = [line for line, _k in tops]

    def token_blocks(begin: int, end: int) -> list[Block]:
        a = bisect.bisect_left(firsts, begin)
        b = bisect.bisect_left(firsts, end)
        if a >= b:
            return []
        return _blocks(tokens, tops[a][1], tops[b][1] if b < len(tops) else len(tokens))

    sections: list[Section] = []
    for span in spans:
        blocks: list[Block] = []
        at = span.body_start
        for first in sorted(f for f in long_lists or () if span.body_start <= f < span.end):
            end, listed = (long_lists or {})[first]
            blocks += token_blocks(at, first)
            blocks += listed
            at = end
        blocks += token_blocks(at, span.end)
        if span.by_label and blocks:
            found = _bold_label(list(blocks[0].spans))
            rest = found[1] if found else _lone_label_rest(list(blocks[0].spans))
            if rest:
                blocks[0] = Block(blocks[0].kind, tuple(rest), blocks[0].depth, blocks[0].marker)
            else:
                del blocks[0]  # a `**Usage**` line alone: the label was all of it
        if span.value:
            blocks.insert(0, Block("p", ((span.value, 0),)))
        sections.append(
            Section(
                key=span.key,
                heading=span.heading,
                markdown="\n".join(lines[span.begin : span.end]).strip("\n"),
                text=blocks_text(blocks),
                line=span.begin + 1 + line_offset,
                ingredient=span.ingredient,
                blocks=tuple(blocks),
            )
        )
    return sections


# A top-level list longer than this many lines is parsed LIST_SLICE items at a time:
# markdown-it-py holds a few hundred bytes of tokens per line, so a 300,000-item list
# parsed whole takes most of a gigabyte.
LONG_LIST_LINES = 5000
LIST_SLICE = 1000
# A reference definition ("[id]: address") may serve links in any slice: never slice then.
_REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:", re.M)
# A bullet item of plain words: a letter first, then only letters, digits, spaces and
# punctuation that Markdown gives no meaning to inside a line.
_PLAIN_ITEM = re.compile(r"([-+*]) ([A-Za-z][A-Za-z0-9 ,.;:'()%/=-]*[A-Za-z0-9.,;:'()%])")


def _plain_items(lines: list[str]) -> list[Block] | None:
    """Blocks of a slice that is only plain one-line bullet items, as markdown-it-py would
    give them, without its parse; None for any other slice. Tests compare the two."""
    bullet = ""
    out: list[Block] = []
    for line in lines:
        m = _PLAIN_ITEM.fullmatch(line)
        if m is None or (bullet and m.group(1) != bullet):
            return None
        bullet = m.group(1)
        out.append(Block("li", ((m.group(2), 0),), 0, "•"))
    return out


def _long_lists(body: list[str]) -> dict[int, tuple[int, list[Block]]]:
    """The blocks of each top-level list too long to parse whole, by first line, with end.

    The list is cut only before its own items (found by outline.py, which agrees with
    markdown-it-py on where lists and items begin), so each slice parses as the items it
    holds would in the whole list; `carry` continues an ordered list's numbering.
    """
    if len(body) <= LONG_LIST_LINES or _REFERENCE.search("\n".join(body)):
        return {}
    found: dict[int, tuple[int, list[Block]]] = {}
    for top in tops(body):
        if top.kind != "list" or top.end_line - top.line <= LONG_LIST_LINES:
            continue
        items = list_items(body, top.line)
        cuts = [*items[::LIST_SLICE], top.end_line]
        blocks: list[Block] = []
        carry: list[int] = []
        for a, b in itertools.pairwise(cuts):
            plain = _plain_items(body[a:b])
            if plain is not None:
                blocks += plain
                continue
            tokens = _markdown().parse("\n".join(body[a:b]))
            blocks += _blocks(tokens, 0, len(tokens), carry)
        found[top.line] = (top.end_line, blocks)
    return found


# ---------------------------------------------------------------------------------------
# FAQs


def _clean(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _split_qa(block: Block) -> tuple[str, str] | None:
    """A question block's (question, answer-so-far), or None if it asks nothing."""
    spans = _strip_leading([s for s in block.spans if not s[1] & HREF])
    if not spans:
        return None
    if spans[0][1] & BOLD:
        bold = _clean(spans[0][0])
        rest = _clean("".join(s for s, _ in spans[1:]))
        m = _Q_ONLY.match(bold)
        if m and "?" in bold:
            return m["q"].strip(), _A_PREFIX.sub("", rest)
        if bold.endswith("?") and not re.fullmatch(r"Q\s*[:.)]?", bold):
            return bold, _A_PREFIX.sub("", rest)
    text = _clean("".join(s for s, _ in spans))
    if block.kind == "h":
        text = _NUMBERED.sub("", text)  # "### 1. Question?": the list numbers it already
    m = _QA.match(text)
    if m:
        return m["q"].strip(), m["a"].strip()
    m = _Q_ONLY.match(text)
    if m:
        return m["q"].strip(), ""
    if block.kind in ("li", "h") and text.endswith("?") and (block.marker or block.kind == "h"):
        return text, ""
    if block.kind == "li" and block.marker and (m := _QUESTION_THEN_ANSWER.match(text)):
        return m["q"].strip(), m["a"].strip()
    return None


def _section_faqs(section: Section) -> list[Faq]:
    pairs: list[tuple[str, list[str]]] = []  # question, answer parts
    for block in section.blocks:
        qa = _split_qa(block) if block.kind in ("li", "p", "h", "quote") else None
        if qa and (block.kind != "li" or block.marker):
            question, first = qa
            pairs.append((question, [first] if first else []))
        elif pairs and block.kind not in ("hr",):
            text = _clean(block.plain())
            if text:
                pairs[-1][1].append(_A_PREFIX.sub("", text))
    return [Faq(q, _clean(" ".join(a)), section.ingredient) for q, a in pairs]


def extract_faqs(sections: list[Section] | tuple[Section, ...]) -> list[Faq]:
    """Question/answer pairs from every FAQs section, in document order."""
    return [faq for s in sections if s.key == "faqs" for faq in _section_faqs(s)]


def unread_faq_sections(sections: list[Section] | tuple[Section, ...]) -> list[Section]:
    """FAQs sections with text from which no question/answer pair could be read."""
    return [s for s in sections if s.key == "faqs" and s.text.strip() and not _section_faqs(s)]


# ---------------------------------------------------------------------------------------
# The whole file


class Head(NamedTuple):
    """What a monograph file says before any Markdown is parsed: enough to index it."""

    monograph: Monograph  # its names and front matter, with no sections yet
    body: list[str]  # the lines after the front matter
    body_start: int  # the line number (0-based) of the body's first line
    outline: Outline


def parse_head(text: str, *, path: str = "", mono_id: str | None = None, corpus: str = "") -> Head:
    """Front matter, title and section outline of monograph text, without a Markdown parse."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    fm, body_start, problems = _split_front_matter(lines)
    body = lines[body_start:]
    fm_title = _as_text(fm.get("title"))
    plan = outline(body, fm_title)
    problems += [Problem(n.code, n.message, n.line + body_start + 1, "warning") for n in plan.notes]
    if "class" in fm and fm["class"] is not None and _as_text(fm["class"]) is None:
        problems.append(
            Problem(
                "class-not-text",
                "'class' should be text (one drug class), not a list or mapping",
                _front_matter_line(lines, body_start, "class"),
                "warning",
            )
        )
    aliases = _as_list(fm.get("aliases")) or _brand_names(plan, body)
    stem = Path(path).stem if path else ""
    title = fm_title or plan.h1 or stem or "Untitled"
    if not fm_title and not any(p.code == "front-matter-yaml" for p in problems):
        problems.append(
            Problem(
                "missing-title",
                "front matter has no 'title'" if body_start else "no front matter with a 'title'",
                1,
                # Without a heading either, the title is only the file name.
                "warning" if plan.h1 else "error",
            )
        )
    if not text.strip():
        problems.append(Problem("empty", "file is empty", 1, "error"))
    mono = Monograph(
        id=mono_id or slugify(stem or title) or "monograph",
        title=_clean(title),
        aliases=aliases,
        drug_class=_as_text(fm.get("class")),
        tags=_as_list(fm.get("tags")),
        sources=_as_list(fm.get("sources")),
        reviewed=_as_text(fm.get("reviewed")),
        source=path,
        corpus=corpus,
        front_matter_keys=tuple(fm),
        problems=tuple(problems),
        imported=_as_text(fm.get("imported")),
        label=_as_mapping(fm.get("source")),
    )
    return Head(mono, body, body_start, plan)


def _front_matter_line(lines: list[str], end: int, key: str) -> int:
    """The 1-based line of a top-level front-matter key (1 if not found)."""
    prefix = f"{key}:"
    return next((n + 1 for n in range(1, end) if lines[n].startswith(prefix)), 1)


_BRANDS = re.compile(
    r"^\W*(?:brand|trade)(?:\s+names?|\s*\(s\)|s)?\s*[:\u2013\u2014-]\s*(.+)$", re.I | re.M
)
_BRAND_SPLIT = re.compile(r"\s*(?:[,;]|\band\b)\s*")
_BRAND_NOISE = re.compile(r"\s*\([^)]*\)|[\u00ae\u2122]|\.$")


def _brand_names(plan: Outline, body: list[str]) -> tuple[str, ...]:
    """Brand names listed in the Generic Name section ("Brand names: A, B"), as aliases.

    For files without front-matter aliases that list them under "Alternate Names".
    """
    from medref.outline import plain_text

    names: list[str] = []
    for span in plan.sections:
        if span.key != "generic-name":
            continue
        lines = body[span.body_start : span.end]
        if not any("rand" in line or "rade" in line for line in lines):
            continue  # no "Brand names:" or "Trade names:" line (the common case)
        text = plain_text(lines)
        for m in _BRANDS.finditer(text):
            names += [_BRAND_NOISE.sub("", n).strip() for n in _BRAND_SPLIT.split(m.group(1))]
    return tuple(dict.fromkeys(n for n in names if n and len(n) <= 60))


def read_head(path: Path, *, mono_id: str | None = None, corpus: str = "") -> Head:
    """Read one file's head. Raises OSError or ValueError when it cannot be read at all."""
    text, problems = read_text(path)
    head = parse_head(text, path=str(path), mono_id=mono_id, corpus=corpus)
    if problems:
        return head._replace(monograph=_with_problems(head.monograph, problems))
    return head


def _tokens(body: list[str], breaks: list[int]) -> list[Any]:
    """markdown-it-py's tokens, with a blank line before each outline break.

    The outline ends blocks where CommonMark would not (see Outline.breaks); the blank lines
    make markdown-it-py end them there too. Token lines are then mapped back to the body's.
    """
    if not breaks:
        return list(_markdown().parse("\n".join(body)))
    lines: list[str] = []
    inserted: list[int] = []  # positions of the blank lines in the text given to the parser
    prev = 0
    for b in breaks:
        lines += body[prev:b]
        inserted.append(len(lines))
        lines.append("")
        prev = b
    lines += body[prev:]
    tokens = _markdown().parse("\n".join(lines))
    for t in tokens:
        if t.map is not None:
            t.map = [m - bisect.bisect_right(inserted, m) for m in t.map]
    return list(tokens)


def parse(text: str, *, path: str = "", mono_id: str | None = None, corpus: str = "") -> Monograph:
    """Parse monograph text. Never raises on any input text."""
    head = parse_head(text, path=path, mono_id=mono_id, corpus=corpus)
    long_lists = _long_lists(head.body)
    lines = head.body
    if long_lists:
        # Their lines are parsed on their own. In their place, an HTML comment ends what
        # comes before as the list did (so lists on either side do not join) and blank lines
        # keep every other line where it was.
        lines = list(lines)
        for first, (end, _) in long_lists.items():
            lines[first:end] = ["<!-- -->"] + [""] * (end - first - 1)
    tokens = _tokens(lines, head.outline.breaks)
    del lines
    sections = _sections(tokens, head.outline.sections, head.body, head.body_start, long_lists)
    return head.monograph._replace(sections=tuple(sections), faqs=tuple(extract_faqs(sections)))
