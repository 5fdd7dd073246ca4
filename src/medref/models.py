"""Immutable data types and the only place that defines medref's JSON shapes.

They are NamedTuples rather than dataclasses: building seven dataclasses cost more start-up
time than a whole lookup's SQL (see docs/benchmarks.md).

There is no `from __future__ import annotations` here on purpose: NamedTuple turns every
string annotation into a typing.ForwardRef, compiling each one at import time, which about
doubled this module's import time. Only forward references are quoted.
"""

import re
from typing import Any, NamedTuple

# Inline style flags carried by each text span; the renderer decides what they look like.
BOLD = 1
ITALIC = 2
CODE = 4
STRIKE = 8
LINK = 16
# A link's address, shown after its text on screen; never part of the text (JSON, FAQs).
HREF = 32
# The separator between two cells of a table row (" | " in the row's text).
CELL = 64

Span = tuple[str, int]

# The label's boxed warning: shown first, whichever sections are asked for.
BOXED_WARNING = "boxed-warning"

CANONICAL_KEYS: tuple[str, ...] = (
    "generic-name",
    "usage",
    "dosage",
    "side-effects",
    "how-it-works",
    "precautions",
    "faqs",
)


class Block(NamedTuple):
    """One rendered line-level piece of a section: a paragraph, list item, sub-heading, ..."""

    # "p", "li", "h", "code", "hr", "quote"; table rows "th" (header) and "td", whose cells
    # are separated by CELL spans.
    kind: str
    spans: tuple[Span, ...] = ()
    depth: int = 0  # list nesting depth
    # "•", "1." or "" for a continuation paragraph of a list item; for a table's "th" row,
    # each column's alignment: "l", "c", "r" or "-" (not given).
    marker: str = ""

    def plain(self) -> str:
        """The block's text: link addresses left out."""
        return "".join(text for text, flags in self.spans if not flags & HREF)


# Block kinds as one character each in the index cache.
_KIND_CODES = {
    "p": "p",
    "li": "l",
    "h": "h",
    "code": "c",
    "hr": "r",
    "quote": "q",
    "th": "H",
    "td": "d",
}
_KINDS = {code: kind for kind, code in _KIND_CODES.items()}


def pack_blocks(blocks: tuple[Block, ...]) -> list[Any]:
    """Blocks as columns for the index cache: a kind letter per block, then lists of numbers
    and texts. Decoding makes one object per text, not a nest of lists per block, which
    keeps a section of 300,000 list items well inside the memory a page may take."""
    markers: dict[str, int] = {}
    kinds: list[str] = []
    depths: list[int] = []
    marks: list[int] = []
    counts: list[int] = []
    texts: list[str] = []
    flags: list[int] = []
    for b in blocks:
        kinds.append(_KIND_CODES[b.kind])
        depths.append(b.depth)
        marks.append(markers.setdefault(b.marker, len(markers)))
        counts.append(len(b.spans))
        for text, flag in b.spans:
            texts.append(text)
            flags.append(flag)
    return ["".join(kinds), depths, list(markers), marks, counts, texts, flags]


def unpack_blocks(data: list[Any]) -> tuple[Block, ...]:
    """The blocks that pack_blocks packed."""
    kinds, depths, markers, marks, counts, texts, flags = data
    out: list[Block] = []
    at = 0
    for n, code in enumerate(kinds):
        count = counts[n]
        if count == 1:
            spans: tuple[Span, ...] = ((texts[at], flags[at]),)
        else:
            spans = tuple(zip(texts[at : at + count], flags[at : at + count], strict=True))
        at += count
        out.append(Block(_KINDS[code], spans, depths[n], markers[marks[n]]))
    return tuple(out)


def blocks_text(blocks: list[Block] | tuple[Block, ...]) -> str:
    """Plain text of blocks: no Markdown markup, list items as bullets."""
    parts: list[str] = []
    prev = ""
    for b in blocks:
        if b.kind == "hr":
            continue
        text = b.plain().strip()
        if not text:
            continue
        if b.kind != "code" and ("  " in text or "\t" in text):
            text = _INLINE_SPACE.sub(" ", text)
        if b.kind == "li":
            prefix = "  " * b.depth + (f"{b.marker} " if b.marker else "  ")
            text = prefix + text
        # Items of one list, and rows of one table, are on consecutive lines.
        together = (prev == "li" and b.kind == "li") or (prev in _ROWS and b.kind == "td")
        sep = "\n" if together else "\n\n"
        parts.append((sep if parts else "") + text)
        prev = b.kind
    return "".join(parts)


_INLINE_SPACE = re.compile(r"[ \t]+")
_ROWS = ("th", "td")


def _section(
    key: str,
    heading: str,
    markdown: str,
    line: int,
    ingredient: str | None,
    blocks: tuple[Block, ...],
) -> "Section":
    # The cache stores blocks, not text: the text is derived from them, exactly as parsed.
    return Section(key, heading, markdown, blocks_text(blocks), line, ingredient, blocks)


class Section(NamedTuple):
    key: str
    heading: str
    markdown: str
    text: str
    line: int = 1  # 1-based line of the section's first line in its file
    ingredient: str | None = None
    blocks: tuple[Block, ...] = ()

    @property
    def label(self) -> str:
        """Heading as shown to people, naming the ingredient where there is one."""
        return f"{self.heading} ({self.ingredient})" if self.ingredient else self.heading

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "heading": self.heading,
            "ingredient": self.ingredient,
            "markdown": self.markdown,
            "text": self.text,
        }


class Faq(NamedTuple):
    question: str
    answer: str
    ingredient: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"question": self.question, "answer": self.answer}


class Problem(NamedTuple):
    """Something wrong with a monograph file, found while reading or parsing it."""

    code: str
    message: str
    line: int = 1
    # "error": the file could be read only in part (indexing warns about it; validate fails);
    # "warning": the file reads, but not in the house format.
    level: str = "warning"


class Monograph(NamedTuple):
    id: str
    title: str
    sections: tuple[Section, ...] = ()
    faqs: tuple[Faq, ...] = ()
    aliases: tuple[str, ...] = ()
    drug_class: str | None = None
    tags: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    reviewed: str | None = None
    source: str = ""  # path of the file it came from
    corpus: str = ""  # label of the corpus the file belongs to
    front_matter_keys: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()
    imported: str | None = None  # where an imported monograph came from ("openfda")
    label: dict[str, str] | None = None  # an imported label's identity (front matter `source`)
    # Imported labels that share this hand-written monograph's title or alias (by id).
    fda_labels: tuple[str, ...] = ()

    def section_keys(self) -> list[str]:
        """Keys of the sections present, in document order, without repeats."""
        return list(dict.fromkeys(s.key for s in self.sections))

    def to_dict(self, sections: tuple[Section, ...] | None = None) -> dict[str, Any]:
        """The `show --json` shape; `sections` limits which sections are included."""
        chosen = self.sections if sections is None else sections
        keys = {s.key for s in chosen}
        faqs = self.faqs if sections is None or "faqs" in keys else ()
        return {
            **self._head(),
            "sections": [s.to_dict() for s in chosen],
            "faqs": [f.to_dict() for f in faqs],
        }

    def _head(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "aliases": list(self.aliases),
            "class": self.drug_class,
            "tags": list(self.tags),
            "sources": list(self.sources),
            "reviewed": self.reviewed,
            "source": self.source,
            "imported": self.imported,
            "label": self.label,
            "fda_labels": list(self.fda_labels),
        }

    def faq_dict(
        self, faqs: tuple[Faq, ...] | None = None, unread: str | None = None
    ) -> dict[str, Any]:
        """The `faq --json` shape; `text` holds FAQs that could not be read as pairs."""
        chosen = self.faqs if faqs is None else faqs
        return {
            "id": self.id,
            "title": self.title,
            "faqs": [f.to_dict() for f in chosen],
            "text": unread,
        }

    # Compact form stored in the index cache; includes what to_dict leaves out.
    def to_cache(self) -> dict[str, Any]:
        return {
            **self._head(),
            "corpus": self.corpus,
            "fm": list(self.front_matter_keys),
            "sections": [
                [
                    s.key,
                    s.heading,
                    s.markdown,
                    s.line,
                    s.ingredient,
                    pack_blocks(s.blocks),
                ]
                for s in self.sections
            ],
            "faqs": [[f.question, f.answer, f.ingredient] for f in self.faqs],
            "problems": [[p.code, p.message, p.line, p.level] for p in self.problems],
        }

    @classmethod
    def from_cache(cls, d: dict[str, Any]) -> "Monograph":
        return cls(
            id=d["id"],
            title=d["title"],
            aliases=tuple(d["aliases"]),
            drug_class=d["class"],
            tags=tuple(d["tags"]),
            sources=tuple(d["sources"]),
            reviewed=d["reviewed"],
            source=d["source"],
            corpus=d["corpus"],
            front_matter_keys=tuple(d["fm"]),
            sections=tuple(
                _section(k, h, md, ln, ing, unpack_blocks(blocks))
                for k, h, md, ln, ing, blocks in d["sections"]
            ),
            faqs=tuple(Faq(q, a, ing) for q, a, ing in d["faqs"]),
            problems=tuple(Problem(c, m, ln, lv) for c, m, ln, lv in d["problems"]),
            imported=d["imported"],
            label=d["label"],
        )


def list_entry(
    mono_id: str, title: str, aliases: list[str], sections: list[str], source: str
) -> dict[str, Any]:
    """One element of `list --json`."""
    return {
        "id": mono_id,
        "title": title,
        "aliases": aliases,
        "sections": sections,
        "source": source,
    }


class Hit(NamedTuple):
    """One search result: a section of a monograph that matched."""

    id: str
    title: str
    section: str
    heading: str
    snippet: str  # plain text; matched words wrapped in MARK_OPEN / MARK_CLOSE
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "section": self.section,
            "heading": self.heading,
            "snippet": self.snippet,
            "score": self.score,
        }


class SearchResult(NamedTuple):
    query: str
    corrected_query: str | None
    total: int
    hits: tuple[Hit, ...]
    truncated: bool = False  # the query was cut to its first MAX_TERMS words

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "corrected_query": self.corrected_query,
            "total": self.total,
            "results": [h.to_dict() for h in self.hits],
        }
