"""Heading and FAQ shapes of real collections (issue 15), one fixture each in variants/.

Each fixture is read through the library (sections, ingredients, FAQ pairs, problems), and
the main paths through the installed command: `show -s`, `faq --json`, `validate`.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conftest import VARIANTS, Proc
from medref.parse import parse, parse_file

M = Callable[..., Proc]

# fixture -> [(key, heading shown, ingredient)], in document order
SECTIONS: dict[str, list[tuple[str, str, str | None]]] = {
    "qualified-headings": [
        ("generic-name", "Generic Names (Components)", None),
        ("usage", "Usage (Adults)", None),
        ("dosage", "Dosage – Adults", None),
        ("side-effects", "Side Effects (Common)", None),
        ("side-effects", "Side effects (rare)", None),
        ("faqs", "FAQs (Combined Use)", None),
    ],
    "ingredient-qualifiers": [
        ("usage", "Usage", None),
        ("dosage", "Dosage", "Parvatine"),
        ("dosage", "Dosage", "Codrinol"),
        ("side-effects", "Side Effects", "Codrinol"),
    ],
    "named-headings": [
        ("usage", "Usage", "Codrinol"),
        ("usage", "Usage", "Parvatine"),
        ("dosage", "Dosage", None),  # its "**Prescription use:**" lead-in stays inside
        ("how-it-works", "How it Works", "Codrinol"),
        ("faqs", "Codrinol + Parvatine FAQs", None),
    ],
    "named-title": [
        ("dosage", "Namoxil Dosage", None),
        ("otherzine-dosage", "Otherzine Dosage", None),  # not this monograph's name
        ("side-effects", "Namoxil Side Effects", None),
    ],
    "synonym-headings": [
        ("generic-name", "Alternate Names", None),
        ("usage", "Uses and Dosage", None),
        ("dosage", "Administration", None),
        ("dosage", "Adult Dose", None),
        ("dosage", "Pediatric Dose", None),
        ("precautions", "Warnings", None),
        ("faqs", "Q&A", None),
    ],
    "combined-headings": [
        ("usage", "Usage/Indications", None),
        ("precautions", "Precautions & Warnings", None),
        ("precautions", "Precautions and Contraindications", None),
        ("faqs", "FAQ's", None),
        ("faqs", "Common Questions", None),
    ],
    "boxed-and-warnings": [
        ("boxed-warning", "Boxed Warning", None),
        ("usage", "Usage", None),
        ("precautions", "Warnings", None),
    ],
    "lone-bold-labels": [
        ("generic-name", "Generic Name", None),
        ("usage", "Usage", None),
        ("dosage", "Dosage", None),
        ("side-effects", "Side Effects", None),
        ("faqs", "FAQs (for each medicine)", None),
    ],
    "html-then-heading": [
        ("overview", "Overview", None),
        ("usage", "Usage", None),
        ("dosage", "Dosage", None),
    ],
}

FAQS: dict[str, list[tuple[str, str]]] = {
    "faq-one-line": [
        ("Can I take it with food?", "Yes, with or without a meal."),
        ("How long does one dose last?", "About eight hours for most people."),
        ("Is it safe in pregnancy?", "Ask your midwife or doctor first."),
    ],
    "faq-numbered-headings": [
        ("Can children use it?", "Only from the age of six."),
        ("What if I miss a dose?", "Take it when you remember, unless the next dose is near."),
    ],
    "faq-question-prefix": [
        ("Does it interact with coffee?", "Coffee may make the jitteriness worse."),
        ("Can it be split?", "Yes, along the score line."),
    ],
    "faq-details": [
        ("Where should I store it?", "Below 25 °C, away from damp."),
        ("Can I stop suddenly?", "Talk to your doctor before stopping."),
    ],
    "lone-bold-labels": [("Can I use it on broken skin?", "No, only on unbroken skin.")],
    "named-headings": [("Can I drive after a dose?", "Not until you know how it affects you.")],
    "combined-headings": [
        ("Does it cause drowsiness?", "Less than older allergy tablets."),
        ("Can I take it every day?", "Yes, through the allergy season."),
    ],
    "faq-unreadable": [],
}

# fixture -> (problem code, 1-based line in the file)
PROBLEMS: dict[str, tuple[str, int]] = {
    "named-title": ("unknown-section", 9),
    "html-then-heading": ("html-heading", 9),
    "class-not-text": ("class-not-text", 4),
}


@pytest.mark.parametrize("name", sorted(SECTIONS))
def test_sections_keys_headings_and_ingredients(name: str) -> None:
    mono = parse_file(VARIANTS / f"{name}.md")
    assert [(s.key, s.heading, s.ingredient) for s in mono.sections] == SECTIONS[name]
    assert all(s.text for s in mono.sections), name  # no section lost its text to another


@pytest.mark.parametrize("name", sorted(FAQS))
def test_faq_pairs(name: str) -> None:
    mono = parse_file(VARIANTS / f"{name}.md")
    assert [(f.question, f.answer) for f in mono.faqs] == FAQS[name]


@pytest.mark.parametrize("name", sorted(PROBLEMS))
def test_layout_problems_are_warnings_with_their_line(name: str) -> None:
    path = VARIANTS / f"{name}.md"
    code, line = PROBLEMS[name]
    found = [(p.code, p.line, p.level) for p in parse_file(path).problems]
    assert (code, line, "warning") in found
    other = [p for p in found if p[0] == code and p[1] != line]
    assert not other


def test_problems_are_only_where_they_belong() -> None:
    codes = {"unknown-section", "html-heading", "class-not-text"}
    for path in sorted(VARIANTS.glob("*.md")):
        found = {p.code for p in parse_file(path).problems} & codes
        expected = {PROBLEMS[path.stem][0]} if path.stem in PROBLEMS else set()
        assert found == expected, path.name


def test_heading_after_html_is_not_shown_as_text() -> None:
    mono = parse_file(VARIANTS / "html-then-heading.md")
    assert "###" not in mono.sections[0].text and "Usage" not in mono.sections[0].text
    assert mono.sections[1].text == "Soothes a sore throat."


def test_alternate_names_give_brand_names_as_aliases_only_without_front_matter_ones() -> None:
    assert parse_file(VARIANTS / "synonym-headings.md").aliases == (
        "Synofen",
        "Calmara",
        "Restiva",
    )
    assert parse_file(VARIANTS / "combined-headings.md").aliases == ("Combinex Forte",)


def test_show_and_faq_through_the_command(medref: M) -> None:
    corpus = ("--corpus", str(VARIANTS))
    r = medref(*corpus, "show", "named-headings", "-s", "usage", "--json")
    assert r.code == 0, r.err
    assert [(s["key"], s["ingredient"]) for s in r.json()["sections"]] == [
        ("usage", "Codrinol"),
        ("usage", "Parvatine"),
    ]
    # "warnings" is a precautions synonym, and a brand name from Alternate Names finds it.
    r = medref(*corpus, "show", "synofen", "-s", "warnings", "--json")
    assert r.code == 0, r.err
    data = r.json()
    assert data["id"] == "synonym-headings"
    assert [(s["key"], s["heading"]) for s in data["sections"]] == [("precautions", "Warnings")]
    r = medref(*corpus, "show", "html-then-heading", "-s", "usage")
    assert r.code == 0 and "Soothes a sore throat." in r.out and "###" not in r.out
    # FAQs, in the same test: it reuses the index the first command built.
    r = medref(*corpus, "faq", "faq-details", "--json")
    assert r.code == 0, r.err
    assert [(f["question"], f["answer"]) for f in r.json()["faqs"]] == FAQS["faq-details"]
    assert r.json()["text"] is None
    r = medref(*corpus, "faq", "faq-unreadable", "--json")
    assert r.code == 0, r.err
    assert r.json()["faqs"] == []
    assert r.json()["text"].startswith("People often ask about timing.")
    r = medref(*corpus, "faq", "faq-unreadable")
    assert r.code == 0, r.err
    lines = [line for line in r.out.splitlines() if line.strip()]
    assert "could not be read as questions and answers" in lines[1]
    assert lines[2].startswith("People often ask about timing.")


def test_validate_through_the_command(medref: M) -> None:
    files = [str(VARIANTS / f"{n}.md") for n in (*PROBLEMS, "faq-unreadable")]
    r = medref("validate", "--json", *files)
    assert r.code == 0, r.err  # warnings only
    rows = {(row["file"].rsplit("/", 1)[-1], row["code"]): row for row in r.json()}
    for name, (code, line) in PROBLEMS.items():
        row = rows[(f"{name}.md", code)]
        assert (row["level"], row["line"]) == ("warning", line)
    assert rows[("faq-unreadable.md", "faq-pairs")]["level"] == "warning"
    r = medref("validate", "--strict", "--json", str(VARIANTS / "faq-unreadable.md"))
    assert r.code == 1
    assert {(x["code"], x["level"]) for x in r.json()} >= {("faq-pairs", "error")}


@pytest.mark.parametrize(
    "body, keys",
    [
        # A bold "Warning:" inside another section is a remark, not a new section.
        (
            "### Dosage\n**Warning:** no more than 4 g a day.\n### Side Effects\nNone.\n",
            ["dosage", "side-effects"],
        ),
        # A deeper heading that names the same section, or the title, is a sub-heading.
        ("### Precautions\nCare.\n#### Warnings\nMore care.\n", ["precautions"]),
        ("### Usage\nPain.\n#### Tester Dosage\nSee the label.\n", ["usage"]),
        ("### Precautions\nCare.\n#### Adult Dose\nHalve it.\n", ["precautions"]),
        # ... nor on the next line of a paragraph at the end of the file.
        ("### Dosage\nTake 1 g.\n**Warning:** no more than 4 g.\n", ["dosage"]),
        # A section word followed by words, not a qualifier, names no section.
        (
            "### Precautions\nCare.\n### Use in Pregnancy\nAsk first.\n",
            ["precautions", "use-in-pregnancy"],
        ),
        # A lone bold line inside a section under a heading is a sub-title.
        ("### Precautions\n**Dosage**\nHalve it in kidney disease.\n", ["precautions"]),
    ],
)
def test_text_inside_a_section_does_not_start_another(body: str, keys: list[str]) -> None:
    mono = parse(f"---\ntitle: Tester\n---\n# Tester\n{body}")
    assert [s.key for s in mono.sections] == keys
