"""Section labels and front-matter keys: the vocabulary shared by the parser and the CLI."""

from __future__ import annotations

import re

from medref.names import fold

# Document labels (headings or bold lead-ins) that name a canonical section.
SECTION_LABELS: dict[str, str] = {
    "generic name": "generic-name",
    "generic names": "generic-name",
    "generic": "generic-name",
    # The international name and brand names, under another heading.
    "alternate names": "generic-name",
    "alternate name": "generic-name",
    "alternative names": "generic-name",
    "other names": "generic-name",
    "usage": "usage",
    "uses": "usage",
    "use": "usage",
    "indications": "usage",
    "indication": "usage",
    "indications and usage": "usage",
    "what it is used for": "usage",
    "used for": "usage",
    "dosage": "dosage",
    "dose": "dosage",
    "doses": "dosage",
    "dosing": "dosage",
    "dosage and administration": "dosage",
    "how to take": "dosage",
    "administration": "dosage",
    "side effects": "side-effects",
    "side effect": "side-effects",
    "adverse effects": "side-effects",
    "adverse reactions": "side-effects",
    "how it works": "how-it-works",
    "how does it work": "how-it-works",
    "mechanism": "how-it-works",
    "mechanism of action": "how-it-works",
    "precautions": "precautions",
    "precaution": "precautions",
    "warnings and precautions": "precautions",
    "precautions and warnings": "precautions",
    # The README lists "warnings" as a precautions synonym; a bold `**Warnings:**` lead-in
    # still starts a section only where EXTRA_LABELS do (see WEAK_LABELS).
    "warnings": "precautions",
    "warning": "precautions",
    "cautions": "precautions",
    "faqs": "faqs",
    "faq": "faqs",
    "frequently asked questions": "faqs",
    "questions and answers": "faqs",
    "common questions": "faqs",
    "faq s": "faqs",  # FAQ's
    "q a": "faqs",  # Q&A
    "q and a": "faqs",
}

# Section words that name a section in a heading, but as a bold lead-in inside another
# section are more often a remark ("**Warning:** do not exceed 4 g") than a new section:
# as lead-ins they start one only where EXTRA_LABELS do.
WEAK_LABELS = frozenset({"warnings", "warning", "cautions", "administration"})

# Words that may come before a section word in a heading ("Adult Dose", "Serious Side
# Effects") without changing which section it is; the heading is shown as written.
LEADING_QUALIFIERS = frozenset(
    {
        "adult",
        "adults",
        "pediatric",
        "paediatric",
        "child",
        "children",
        "elderly",
        "geriatric",
        "usual",
        "typical",
        "recommended",
        "standard",
        "maximum",
        "common",
        "serious",
        "rare",
        "other",
        "possible",
    }
)

# Words that show a heading is meant as a section: one that maps to none is worth a warning.
SECTION_WORDS = frozenset(
    {
        "usage",
        "uses",
        "indications",
        "dosage",
        "dose",
        "doses",
        "dosing",
        "side",
        "adverse",
        "effects",
        "mechanism",
        "precautions",
        "warnings",
        "faq",
        "faqs",
        "questions",
        "generic",
    }
)

# Bold lead-ins that start an extra section of their own (keyed by their slug), but only
# where the file is laid out with bold labels, or at its tail (a closing Disclaimer).
EXTRA_LABELS = frozenset(
    {
        "disclaimer",
        "boxed warning",
        "note",
        "notes",
        "important note",
        "important",
        "contraindications",
        "interactions",
        "drug interactions",
        "warnings",
        "warning",
        "cautions",
        "administration",
        "storage",
        "overdose",
        "references",
    }
)

KNOWN_FRONT_MATTER = frozenset({"title", "aliases", "class", "tags", "sources", "reviewed"})
# Written by `medref import`: where the monograph came from and the label it was made from.
IMPORTED_FRONT_MATTER = frozenset({"imported", "route", "source"})
# Keys that Jekyll sites put in front matter; accepted and ignored.
JEKYLL_KEYS = frozenset(
    {
        "layout",
        "nav_exclude",
        "nav_order",
        "parent",
        "grand_parent",
        "has_children",
        "permalink",
        "search_exclude",
        "description",
        "date",
        "last_modified_date",
    }
)


_LABEL_WORDS = re.compile(r"[0-9a-z]+")


def label_key(text: str) -> str:
    """Normalise a heading or label for lookup: folded words separated by single spaces."""
    return " ".join(_LABEL_WORDS.findall(fold(text)))


def canonical_key(label: str) -> str | None:
    return SECTION_LABELS.get(label_key(label))
