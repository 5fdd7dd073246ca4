"""Label text to house Markdown.

A label field is an array of strings, each usually one long run of text with the section's
number and title at its start ("2 DOSAGE AND ADMINISTRATION 2.1 Recommended Dosage Take
..."). Here the title is stripped, numbered sub-sections become sub-headings that
medref.parse keeps inside their section, bullet runs become lists, cross-references are
shortened, and `*_table` fields (HTML) become Markdown tables. Label text is never read as
HTML or Markdown: it is escaped, so "<1%" stays a less-than sign.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from medref.labels import EXTRA_LABELS, label_key
from medref.outline import name_section


def squash(text: str) -> str:
    """Runs of white space as one space, trimmed."""
    return " ".join(text.split())


# ---------------------------------------------------------------------------------------
# Markdown escaping

_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]~|"})
_HTML_START = re.compile(r"<(?=[A-Za-z/!?])")  # only what could open a tag: "<1%" stays
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_BLOCK_START = re.compile(r"^([#>+=-])")
_ORDERED_START = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")


def escape(text: str) -> str:
    """Plain text as Markdown inline text that reads back as the same text."""
    text = text.translate(_MD_SPECIAL)
    if "<" in text:
        text = _HTML_START.sub(r"\\<", text)
    if "&" in text:
        text = _ENTITY.sub(r"\\&", text)
    if text[:1] in "#>+=-":
        text = _BLOCK_START.sub(r"\\\1", text)
    elif text[:1].isdigit():
        text = _ORDERED_START.sub(r"\1\\\2", text)
    return text


# ---------------------------------------------------------------------------------------
# Blocks: what a cleaned field is made of, before it is Markdown


@dataclass(slots=True)
class Para:
    text: str  # plain text


@dataclass(slots=True)
class Items:
    items: list[str]  # plain text of each list item


@dataclass(slots=True)
class Heading:
    text: str  # plain text
    depth: int = 1  # 1: a sub-heading of the section, 2: a sub-sub-heading


@dataclass(slots=True)
class Markup:
    markdown: str  # already Markdown (a table)


Piece = Para | Items | Heading | Markup


@dataclass(slots=True)
class Cleaned:
    pieces: list[Piece] = field(default_factory=list)

    def __bool__(self) -> bool:
        return any(not isinstance(p, Heading) for p in self.pieces)


def heading_markdown(text: str, level: int) -> str:
    """A sub-heading that medref.parse keeps inside the current section.

    The parser starts a new section at a heading that names a section ("Dosage", "Warnings
    and Precautions: ...", "Dosage (Adults)") whatever its level, and at a bold `Label:`
    lead-in; a deeper heading with any other text stays in the section, and so does one
    with words before the section word ("Recommended Dosage"). A title that names a section
    is written as a bold line without a colon instead, which the parser reads as a label
    only in files laid out with bold labels, never inside a section under a heading.
    """
    text = squash(text).rstrip(":;,. ")
    if not text:
        return ""
    first = text.partition(":")[0]
    if (
        name_section(text, heading=False)
        or name_section(first, heading=False)
        or label_key(first) in EXTRA_LABELS
        or text.endswith("?")
    ):
        return "**" + escape(text.replace(":", " –")) + "**"
    return "#" * level + " " + escape(text)


def to_markdown(pieces: list[Piece], base_level: int = 4) -> str:
    """Markdown for the pieces of one section body; sub-headings start at base_level."""
    out: list[str] = []
    for p in pieces:
        if isinstance(p, Para):
            text = squash(p.text)
            if text:
                out.append(escape(text))
        elif isinstance(p, Items):
            lines = [f"* {escape(t)}" for t in (squash(i) for i in p.items) if t]
            if lines:
                out.append("\n".join(lines))
        elif isinstance(p, Heading):
            md = heading_markdown(p.text, base_level + p.depth - 1)
            if md:
                out.append(md)
        else:
            out.append(p.markdown)
    return "\n\n".join(out)


# ---------------------------------------------------------------------------------------
# Titles and numbers labels embed

# Titles a field may start with, besides its own name read as words. Longest first.
FIELD_TITLES: dict[str, tuple[str, ...]] = {
    "boxed_warning": ("boxed warning",),
    "indications_and_usage": ("indications and usage", "indications", "uses", "use"),
    "dosage_and_administration": ("dosage and administration", "directions"),
    "dosage_forms_and_strengths": ("dosage forms and strengths",),
    "adverse_reactions": ("adverse reactions",),
    "mechanism_of_action": ("mechanism of action",),
    "clinical_pharmacology": ("clinical pharmacology",),
    "warnings_and_cautions": ("warnings and precautions",),
    "warnings": ("warnings", "warning"),
    "precautions": ("precautions",),
    "contraindications": ("contraindications",),
    "drug_interactions": ("drug interactions",),
    "use_in_specific_populations": ("use in specific populations",),
    "pregnancy": ("pregnancy",),
    "overdosage": ("overdosage",),
    "information_for_patients": (
        "patient counseling information",
        "patient counselling information",
        "information for patients",
    ),
    "purpose": ("purposes", "purpose"),
    "active_ingredient": ("active ingredients", "active ingredient"),
    "do_not_use": ("do not use",),
    "ask_doctor": ("ask a doctor before use if you have", "ask a doctor before use if"),
    "ask_doctor_or_pharmacist": (
        "ask a doctor or pharmacist before use if you are",
        "ask a doctor or pharmacist before use if",
    ),
    "when_using": ("when using this product",),
    "stop_use": ("stop use and ask a doctor if",),
    "pregnancy_or_breast_feeding": (
        "if pregnant or breast-feeding",
        "if pregnant or breastfeeding",
    ),
    "keep_out_of_reach_of_children": ("keep out of reach of children",),
}


def _title_pattern(titles: tuple[str, ...]) -> re.Pattern[str]:
    alts = []
    for t in sorted(titles, key=len, reverse=True):
        words = [re.escape(w) for w in t.split()]
        alts.append(r"\s+".join(w if w != "and" else r"(?:and|&)" for w in words))
    return re.compile(
        r"^\s*(?:(?P<num>\d{1,2}(?:\.\d{1,2})*)\.?\s+)?(?:" + "|".join(alts) + r")"
        r"(?![\w-])(?:\s*\(s\))?\s*[:.]?\s*",
        re.I,
    )


_TITLE_RE: dict[str, re.Pattern[str]] = {}
_LEAD_NUMBER = re.compile(r"^\s*(?P<num>\d{1,2}(?:\.\d{1,2})*)\.?\s+(?=[A-Z])")
_CAPS_WORD = re.compile(r"[A-Z0-9][A-Z0-9,&/()'’-]*:?")


def _titles_for(name: str) -> re.Pattern[str]:
    pat = _TITLE_RE.get(name)
    if pat is None:
        base = name.removesuffix("_table").replace("_", " ")
        pat = _title_pattern((*FIELD_TITLES.get(name, ()), base))
        _TITLE_RE[name] = pat
    return pat


def strip_title(name: str, text: str) -> tuple[str, str | None]:
    """(text without its leading number and title, the section number if one was there)."""
    m = _titles_for(name).match(text)
    if m and m.end() > 0:
        rest = text[m.end() :].lstrip(" ,;:.-–")
        if not re.search(r"[^\W\d_]", rest):
            # The title is all the field says ("Keep out of reach of children."): keep it.
            start = m.end("num") if m["num"] else 0
            return text[start:].strip().lstrip(". "), m["num"]
        return rest, m["num"]
    m = _LEAD_NUMBER.match(text)
    if m:
        # A number and a title this field is not known by: drop the number and the
        # upper-case title after it ("8 USE IN SPECIFIC POPULATIONS").
        rest = text[m.end() :]
        words = list(re.finditer(r"\S+", rest[:300]))
        k = 0
        while k < len(words) and _CAPS_WORD.fullmatch(words[k].group()):
            k += 1
        if k and k < len(words) and words[k].group()[:1].islower():
            k -= 1  # the last upper-case word starts the sentence ("... FDA approved")
        cut = words[k].start() if k < len(words) else len(rest)
        return rest[cut:], m["num"]
    return text, None


_LEAD_CAPS = re.compile(
    # A title's last word may end its sentence ("WARNING: SERIOUS RISK. Take ...").
    r"^((?:WARNING|BOXED WARNING)\s*:?\s*)?((?:[A-Z0-9][A-Z0-9,&/()'’:-]*\.?\s+){2,})"
)


def lead_caps_title(text: str) -> tuple[str, str] | None:
    """("RISK OF SERIOUS EVENTS", rest) for text that opens with an upper-case title."""
    m = _LEAD_CAPS.match(text)
    if not m:
        return None
    words = m[2].split()
    rest = text[m.end() :]
    if rest[:1].islower() and len(words) > 2:
        rest = words.pop() + " " + rest  # "... EVENTS NSAIDs" keeps NSAIDs in the text
    title = " ".join(words).strip(" :.")
    if len(title) < 8:
        return None
    return title, rest


# ---------------------------------------------------------------------------------------
# Numbered sub-sections

# Words that may sit in a title without a capital ("Use in Renal Impairment").
_MINOR_WORDS = (
    "a an and or of in on with without for the to by at from as vs vs. versus per after "
    "before during into than not nor & and/or"
)
_MINOR = frozenset(_MINOR_WORDS.split())


def _capital(word: str) -> bool:
    core = word.lstrip("([\"'“‘")
    return bool(core) and (core[0].isupper() or core[0].isdigit())


def split_title(text: str) -> tuple[str, int] | None:
    """Split "Recommended Dosage Take one tablet ..." into its title and the text after it.

    A title is a run of capitalised words (and small words such as "in", "of"). Where the
    run is followed by a lower-case word, its last capitalised word starts the sentence.
    Returns (title, where the text after it starts), or None when the text does not
    start with a title.
    """
    words = list(re.finditer(r"\S+", text[:800]))
    if not words or not words[0].group().lstrip("([\"'“‘")[:1].isupper():
        return None
    run = 0
    last_cap = 0
    colon = False
    for i, m in enumerate(words[:16]):
        w = m.group()
        if _capital(w):
            if not w[:1].isdigit():  # a number may sit in a title, never start its sentence
                last_cap = i
        elif w.lower() not in _MINOR:
            break
        run = i + 1
        if w.endswith(":"):
            colon = True
            break
    else:
        if len(words) > 16:
            return None  # an upper-case sentence, not a title
    if colon or run >= len(words):
        cut = run
    elif words[run].group()[:1].islower():
        cut = last_cap if last_cap > 0 else 1
    else:
        cut = run
    title = " ".join(m.group() for m in words[:cut]).strip(" :;,.")
    if not title:
        return None
    return title, words[cut].start() if cut < len(words) else len(text)


def _sub_pattern(num: str) -> re.Pattern[str]:
    return re.compile(re.escape(num) + r"\.(?P<sub>\d{1,2}(?:\.\d{1,2})?)\.?\s+(?=[A-Z(\"“])")


_BOUNDARY_END = frozenset('.!?:;)]"”’')


def _at_boundary(text: str, at: int) -> bool:
    """Does a sub-section number at `at` start a sentence (or the text, or a line)?"""
    if at == 0:
        return True
    before = text[max(0, at - 40) : at]
    if not before[-1:].isspace():
        return False
    if "\n" in before[len(before.rstrip(" \t")) - 1 :]:
        return True
    stripped = before.rstrip()
    return not stripped or stripped[-1] in _BOUNDARY_END


_FIRST_SUB = re.compile(r"^\s*(?P<num>\d{1,2})\.\d{1,2}\.?\s+[A-Z]")


def split_numbered(text: str, num: str | None) -> list[tuple[Heading | None, str]]:
    """Cut text at "N.k Title" sub-section starts: (heading or None, text) in order.

    Only numbers under the field's own section number count, in increasing order and at a
    sentence boundary, so "(5.1)" cross-references and "2.5 mg" are left alone.
    """
    if num is None:
        m = _FIRST_SUB.match(text)
        if not m:
            return [(None, text)]
        num = m["num"]
    out: list[tuple[Heading | None, str]] = []
    pos = 0
    last: tuple[int, ...] = ()
    pending: Heading | None = None
    for m in _sub_pattern(num).finditer(text):
        parts = tuple(int(x) for x in m["sub"].split("."))
        if parts <= last or not _at_boundary(text, m.start()):
            continue
        found = split_title(text[m.end() : m.end() + 800])
        if found is None:
            continue
        title, skip = found
        out.append((pending, text[pos : m.start()]))
        pending = Heading(title, depth=len(parts))
        pos = m.end() + skip
        last = parts
    out.append((pending, text[pos:]))
    return [(h, t) for h, t in out if h is not None or t.strip()]


# ---------------------------------------------------------------------------------------
# Cross-references and bullets

_SECNUMS = r"\d{1,2}(?:\.\d{1,2}){0,2}(?:\s*[,;]\s*(?:and\s+)?\d{1,2}(?:\.\d{1,2}){0,2})*"
_NUM_PAREN = re.compile(r"\s*\(\s*(?:[Ss]ee\s+)?(?:[Ss]ections?\s+)?" + _SECNUMS + r"\s*\)")
# The patterns open with their bracket, not with the space before it, so that re can
# look for that character; _sub_ref() drops the space before a reference it removes.
_DOTTED_REF = re.compile(
    r"\(\s*[1-9]\d?\.\d{1,2}(?:\.\d{1,2})?"
    r"(?:\s*[,;]\s*(?:and\s+)?[1-9]\d?(?:\.\d{1,2}){0,2})*\s*\)"
)
_SEE_BRACKET = re.compile(r"\[\s*[Ss]ee\s+([^\[\]]{0,400}?)\s*\]")
_SEE_PAREN = re.compile(r"\(\s*[Ss]ee\s+((?:[^()]|\([^()]*\)){0,400}?)\s*\)")
_TRAILING_JUNK = re.compile(r"(?:\s*(?:,|;|and|or|\.))+\s*$")


_SECTION_WORD = re.compile(r"\b[Ss]ections?\s+" + _SECNUMS)
_SPACE_PUNCT = re.compile(r"\s+([,;])")
_WORDY = re.compile(r"[A-Za-z]{3}")


def _see(inner: str) -> str:
    if "(" in inner:
        inner = _NUM_PAREN.sub("", inner)
    if "ection" in inner:
        inner = _SECTION_WORD.sub("", inner)
    inner = _TRAILING_JUNK.sub("", squash(inner))
    inner = _SPACE_PUNCT.sub(r"\1", inner)
    if not _WORDY.search(inner):
        return ""
    return f" (see {inner})"


def tidy_refs(text: str) -> str:
    """Shorten cross-references: "[see Warnings and Precautions (5.1)]" -> "(see Warnings
    and Precautions)"; a bare "(5.1)" goes."""
    if "ee " in text:
        if "[" in text:
            text = _sub_ref(_SEE_BRACKET, text, True)
        if "(" in text:
            text = _sub_ref(_SEE_PAREN, text, True)
    if "(" in text:
        text = _sub_ref(_DOTTED_REF, text, False)
    return text


def _sub_ref(pattern: re.Pattern[str], text: str, see: bool) -> str:
    """Replace each match by " (see ...)" or nothing, with the space before it."""
    out: list[str] = []
    pos = 0
    for m in pattern.finditer(text):
        out.append(text[pos : m.start()].rstrip())
        if see:
            out.append(_see(m[1]))
        pos = m.end()
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


_BULLET_CHARS = "•●▪■◦∙►"
_BULLET = re.compile(r"\s*[" + _BULLET_CHARS + r"]\s*")


def bullets(text: str) -> list[Piece]:
    """A paragraph with bullet characters as its lead-in and a list; else one paragraph."""
    if not any(c in text for c in _BULLET_CHARS):
        return [Para(text)]
    parts = _BULLET.split(text)
    intro, items = parts[0], [p for p in parts[1:] if p.strip()]
    out: list[Piece] = []
    if intro.strip():
        out.append(Para(intro))
    if items:
        out.append(Items(items))
    return out


_PARA_BREAK = re.compile(r"\n\s*\n|\r\n\s*\r\n")


def clean_text(name: str, values: list[str], *, sub_headings: bool = True) -> Cleaned:
    """One label field as pieces: title stripped, sub-sections, references, lists."""
    out = Cleaned()
    for n, value in enumerate(values):
        num: str | None = None
        if n == 0 or name in FIELD_TITLES:
            value, num = strip_title(name, value)
        if name == "boxed_warning" and sub_headings:
            lead = lead_caps_title(value)  # "WARNING: RISK OF ..." heads the box
            if lead is not None:
                out.pieces.append(Heading(lead[0]))
                value = lead[1]
        chunks = split_numbered(value, num) if sub_headings else [(None, value)]
        for heading, chunk in chunks:
            if heading is not None:
                out.pieces.append(heading)
            for para in _PARA_BREAK.split(tidy_refs(chunk)):
                if para.strip():
                    out.pieces.extend(bullets(para))
    return out


# ---------------------------------------------------------------------------------------
# HTML tables

_CELL_SPACE_TAGS = frozenset({"br", "p", "paragraph", "li", "item", "div", "list", "content"})


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[tuple[str, list[tuple[bool, list[str]]]]] = []
        self.other: list[str] = []
        self.depth = 0
        self.caption: list[str] | None = None
        self.rows: list[tuple[bool, list[str]]] = []
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.span = 1
        self.head = False
        self.cap_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        tag = tag.lower()
        if tag == "table":
            self.depth += 1
            if self.depth == 1:
                self.rows, self.cap_text, self.head = [], "", False
            elif self.cell is not None:
                self.cell.append(" ")
            return
        if self.depth != 1:
            if self.cell is not None and tag in _CELL_SPACE_TAGS:
                self.cell.append(" ")
            return
        if tag == "caption":
            self.caption = []
        elif tag == "thead":
            self.head = True
        elif tag in ("tbody", "tfoot"):
            self.head = False
        elif tag == "tr":
            self._end_row()
            self.row = []
        elif tag in ("td", "th"):
            self._end_cell()
            if self.row is None:
                self.row = []
            self.cell = []
            span = dict(attrs).get("colspan") or "1"
            self.span = max(1, min(int(span), 50)) if span.strip().isdigit() else 1
        elif self.cell is not None and tag in _CELL_SPACE_TAGS:
            self.cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        tag = tag.lower()
        if tag == "table":
            self.depth -= 1
            if self.depth == 0:
                self._end_row()
                self.tables.append((self.cap_text, self.rows))
            self.depth = max(self.depth, 0)
            return
        if self.depth != 1:
            return
        if tag == "caption" and self.caption is not None:
            self.cap_text = squash("".join(self.caption))
            self.caption = None
        elif tag in ("td", "th"):
            self._end_cell()
        elif tag == "tr":
            self._end_row()
        elif tag == "thead":
            self.head = False

    def handle_data(self, data: str) -> None:
        if self.depth == 0:
            self.other.append(data)
        elif self.caption is not None:
            self.caption.append(data)
        elif self.cell is not None:
            self.cell.append(data)

    def _end_cell(self) -> None:
        if self.cell is not None and self.row is not None:
            self.row.append(squash("".join(self.cell)))
            self.row.extend([""] * (self.span - 1))
        self.cell = None
        self.span = 1

    def _end_row(self) -> None:
        self._end_cell()
        if self.row is not None and any(c for c in self.row):
            self.rows.append((self.head, self.row))
        self.row = None


def _cell(text: str) -> str:
    return escape(text) or " "


def table_markdown(html: str) -> list[Piece]:
    """The `<table>`s of one `*_table` value as Markdown tables (with captions as text)."""
    parser = _Tables()
    parser.feed(html)
    parser.close()
    out: list[Piece] = []
    for caption, rows in parser.tables:
        if not rows:
            continue
        width = max(len(r) for _, r in rows)
        heads = [r for h, r in rows if h]
        body = [r for h, r in rows if not h]
        if heads:
            header, body = heads[0], heads[1:] + body
        else:
            header, body = body[0], body[1:]
        if caption:
            out.append(Para(caption))
        lines = ["| " + " | ".join(_cell(c) for c in header + [""] * (width - len(header))) + " |"]
        lines.append("|" + " --- |" * width)
        for r in body:
            lines.append("| " + " | ".join(_cell(c) for c in r + [""] * (width - len(r))) + " |")
        out.append(Markup("\n".join(lines)))
    rest = squash("".join(parser.other))
    if rest:
        out.append(Para(rest))
    return out
