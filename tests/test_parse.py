"""Parser tests over our own fixture monographs, one per variant seen in real collections."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import VARIANTS
from medref.models import CANONICAL_KEYS, Monograph
from medref.parse import parse, parse_file

BUNDLED = Path(__file__).parent.parent / "monographs"


def load(name: str) -> Monograph:
    return parse_file(VARIANTS / f"{name}.md")


def keyed(mono: Monograph) -> list[tuple[str, str | None]]:
    return [(s.key, s.ingredient) for s in mono.sections]


def text_of(mono: Monograph, key: str) -> str:
    return "\n".join(s.text for s in mono.sections if s.key == key)


def test_seed_has_seven_sections_in_order_and_five_faqs() -> None:
    mono = parse_file(BUNDLED / "colostrum.md")
    assert mono.title == "Colostrum"
    assert [s.key for s in mono.sections] == list(CANONICAL_KEYS)
    assert len(mono.faqs) == 5
    assert mono.faqs[1].question == "Can I use colostrum if I have a milk allergy?"
    assert mono.faqs[1].answer.startswith("No, you should avoid colostrum")
    assert "layout" in mono.front_matter_keys  # accepted, and ignored


def test_headings_at_any_level_and_with_emphasis() -> None:
    mono = load("heading-levels")
    assert [s.key for s in mono.sections] == ["generic-name", "usage", "dosage", "side-effects"]
    assert text_of(mono, "generic-name") == "Levelol"
    assert text_of(mono, "usage") == "Used for testing heading levels."
    assert mono.sections[0].heading == "Generic Name"


def test_trailing_colon_on_headings() -> None:
    mono = load("trailing-colon")
    assert [(s.key, s.heading) for s in mono.sections] == [("usage", "Usage"), ("dosage", "Dosage")]


def test_value_on_heading_line() -> None:
    mono = load("heading-value")
    assert mono.sections[0].key == "generic-name"
    assert mono.sections[0].heading == "Generic Name"
    assert mono.sections[0].text == "Valuamine"
    assert text_of(mono, "usage") == "Value usage text."


def test_bold_labels_without_headings() -> None:
    mono = load("bold-labels")
    assert [s.key for s in mono.sections] == [
        "generic-name",
        "usage",
        "dosage",
        "side-effects",
        "note",
    ]
    assert text_of(mono, "generic-name") == "Boldamine"
    assert text_of(mono, "usage") == "Used for bold label testing. It continues on a second line."
    dosage = text_of(mono, "dosage")
    assert "• Adults: 10 mg once daily." in dosage
    assert "• Children: dose by weight" in dosage
    assert text_of(mono, "note") == "Keep out of reach of children."


def test_combination_with_ingredient_headings_and_bold_labels() -> None:
    mono = load("combination-labels")
    assert keyed(mono) == [
        ("usage", "Ketorolac"),
        ("dosage", "Ketorolac"),
        ("usage", "Tramadol"),
        ("dosage", "Tramadol"),
        ("precautions", "Tramadol"),
    ]
    usages = [s.text for s in mono.sections if s.key == "usage"]
    assert usages == ["Short-term relief of moderate pain.", "Moderate to severe pain."]


def test_combination_repeating_whole_section_set() -> None:
    mono = load("combination-repeated")
    assert keyed(mono) == [
        ("generic-name", "Ibuprofen"),
        ("usage", "Ibuprofen"),
        ("dosage", "Ibuprofen"),
        ("generic-name", "Paracetamol"),
        ("usage", "Paracetamol"),
        ("dosage", "Paracetamol"),
    ]
    assert [s.text for s in mono.sections if s.key == "dosage"] == [
        "200 mg to 400 mg.",
        "500 mg to 1 g.",
    ]


def test_repeated_sets_without_ingredient_headings_use_generic_names() -> None:
    mono = load("repeated-generic-names")
    assert keyed(mono) == [
        ("generic-name", "Alphamine"),
        ("usage", "Alphamine"),
        ("generic-name", "Betazole"),
        ("usage", "Betazole"),
    ]


def test_thematic_break_is_not_front_matter() -> None:
    mono = load("thematic-break")
    assert mono.title == "Thematic Break"
    assert [s.key for s in mono.sections] == ["usage", "dosage"]
    assert text_of(mono, "usage") == "Text before the break."
    assert text_of(mono, "dosage") == "Text after the break."
    assert not mono.problems


def test_inline_html_keeps_its_text() -> None:
    mono = load("inline-html")
    assert text_of(mono, "how-it-works") == (
        "It binds H2 receptors and lowers acid by 10^3 fold, mostly."
    )


def test_titles_with_punctuation_and_non_ascii() -> None:
    mono = load("odd-title")
    assert mono.title == "Café-Ölamin (oral) [EU] / Solution + Spray"
    assert mono.id == "odd-title"


def test_prose_only_file_is_kept_as_an_overview() -> None:
    mono = load("prose-only")
    assert mono.title == "Prose Only"  # from the H1
    assert [s.key for s in mono.sections] == ["overview"]
    assert "second paragraph" in mono.sections[0].text


def test_trailing_disclaimer_is_its_own_section_and_not_an_faq() -> None:
    mono = load("disclaimer")
    assert [s.key for s in mono.sections] == ["usage", "faqs", "disclaimer"]
    assert [(f.question, f.answer) for f in mono.faqs] == [("Is it safe?", "Mostly.")]
    assert text_of(mono, "disclaimer") == "This is not medical advice."


def test_faq_shapes() -> None:
    mono = load("faq-shapes")
    assert [(f.question, f.answer) for f in mono.faqs] == [
        ("Next-line answer?", "The answer is on the next line."),
        ("Next-paragraph answer?", "The answer is in the next paragraph."),
        ("Bold question without markers?", "The answer follows the bold question."),
        ("Numbered question one?", "Numbered answer one."),
        ("Numbered question two?", "Numbered answer two."),
        ("Heading question?", "Heading answer."),
    ]


def test_jekyll_keys_are_ignored() -> None:
    mono = load("jekyll")
    assert mono.title == "Jekyll Keys"
    assert set(mono.front_matter_keys) == {"layout", "nav_exclude", "title"}
    assert mono.to_dict()["title"] == "Jekyll Keys"


def test_title_falls_back_to_h1_then_stem() -> None:
    assert parse("# From Heading\n\nText.\n", path="x/stem.md").title == "From Heading"
    assert parse("Just text.\n", path="x/the-stem.md").title == "the-stem"


def test_front_matter_lists_and_dates() -> None:
    mono = parse(
        "---\ntitle: T\naliases: Single\ntags: [a, b]\nsources:\n  - One\nreviewed: 2026-01-02\n"
        "class: NSAID\n---\nBody.\n"
    )
    assert mono.aliases == ("Single",)
    assert mono.tags == ("a", "b")
    assert mono.sources == ("One",)
    assert mono.reviewed == "2026-01-02"
    assert mono.drug_class == "NSAID"


@pytest.mark.parametrize(
    "text, code",
    [
        ("---\ntitle: [unclosed\n---\n# T\n", "front-matter-yaml"),
        ("---\ntitle: T\n# no closing line\n", "front-matter-unclosed"),
        ("---\n- a list\n---\n# T\n", "front-matter-yaml"),
    ],
)
def test_broken_front_matter_is_reported_and_body_kept(text: str, code: str) -> None:
    mono = parse(text, path="bad.md")
    assert code in {p.code for p in mono.problems}
    assert mono.title  # still has a usable title


def test_bold_lead_ins_inside_sections_do_not_split_them() -> None:
    mono = parse_file(BUNDLED / "colostrum.md")
    dosage = text_of(mono, "dosage")
    assert "Neonates:" in dosage and "Adults:" in dosage and "IV administration:" in dosage


def test_sections_keep_document_order_and_original_markdown() -> None:
    source = (VARIANTS / "bold-labels.md").read_text()
    mono = load("bold-labels")
    positions = [source.index(s.markdown) for s in mono.sections]
    assert positions == sorted(positions)
    assert mono.sections[1].markdown.startswith("**Usage:**")


@pytest.mark.parametrize("path", sorted(VARIANTS.glob("*.md")), ids=lambda p: p.name)
def test_no_body_line_is_dropped(path: Path) -> None:
    text = path.read_text()
    mono = parse_file(path)
    covered = "\n".join(s.markdown for s in mono.sections)
    body = text.split("\n---\n", 1)[1] if text.startswith("---\n") else text
    for line in body.splitlines():
        if line.strip() and line.strip() != f"# {mono.title}":
            assert line in covered, line


def test_a_synonym_lead_in_inside_its_own_section_does_not_split_it() -> None:
    mono = parse(
        "# T\n### Dosage\n**Adults:** 10 mg.\n\n**How to take:** With food.\n\n"
        "### Side Effects\nNone.\n"
    )
    assert [s.key for s in mono.sections] == ["dosage", "side-effects"]
    assert "How to take: With food." in mono.sections[0].text


def test_front_matter_values_are_the_text_written_not_yaml_1_1_types() -> None:
    mono = parse(
        "---\ntitle: 1.10\naliases: [NO, iNO, Yes, 010, 0x10, 1e3]\ntags: [on, off]\n"
        "class: null\nreviewed: 2025-02-30\n---\n# Ignored heading\n### Usage\nText.\n"
    )
    assert mono.title == "1.10"
    assert mono.aliases == ("NO", "iNO", "Yes", "010", "0x10", "1e3")
    assert mono.tags == ("on", "off")
    assert mono.drug_class is None
    # An impossible date no longer throws the whole front matter away; validate reports it.
    assert mono.reviewed == "2025-02-30"
    assert not [p for p in mono.problems if p.code == "front-matter-yaml"]


def test_a_control_character_in_front_matter_is_named() -> None:
    mono = parse("---\ntitle: Bell\x07\n---\n# Bell\n")
    [problem] = [p for p in mono.problems if p.code == "front-matter-yaml"]
    assert "control characters are not allowed" in problem.message
    assert "missing-title" not in {p.code for p in mono.problems}  # the YAML problem says it


def test_bundled_monographs_keep_their_section_keys_and_faq_counts() -> None:
    # Recorded from main before section recognition was widened (issue 15): reading more
    # shapes must not change how any bundled monograph is read.
    expected = json.loads((Path(__file__).parent / "bundled_sections.json").read_text())
    files = sorted(BUNDLED.glob("*.md"))
    assert sorted(expected) == sorted(p.stem for p in files)
    for path in files:
        mono = parse_file(path)
        got = {"sections": [s.key for s in mono.sections], "faqs": len(mono.faqs)}
        assert got == expected[path.stem], path.name
        assert all(s.ingredient is None for s in mono.sections), path.name


def test_a_missing_title_says_whether_there_is_front_matter() -> None:
    bare = parse("# Just text\n## Usage\nx\n", path="bare.md")
    fm = parse("---\naliases: [a]\n---\n# T\n## Usage\nx\n", path="fm.md")
    assert [p.message for p in bare.problems if p.code == "missing-title"] == [
        "no front matter with a 'title'"
    ]
    assert [p.message for p in fm.problems if p.code == "missing-title"] == [
        "front matter has no 'title'"
    ]
