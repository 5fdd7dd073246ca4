"""`medref validate` against broken fixtures: every rule has a case that trips it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import FIXTURES, Run
from medref.corpus import discover
from medref.validate import validate

INVALID = FIXTURES / "invalid"
R = Callable[..., Run]


@pytest.fixture(scope="module")
def findings() -> dict[tuple[str, str], list[str]]:
    found = validate([INVALID, INVALID / "notes.txt"], [], strict=False)
    out: dict[tuple[str, str], list[str]] = {}
    for f in found:
        out.setdefault((Path(f.file).name, f.code), []).append(f.level)
    return out


@pytest.mark.parametrize(
    "file, code, level",
    [
        ("bad-yaml.md", "front-matter-yaml", "error"),
        ("unclosed.md", "front-matter-unclosed", "error"),
        ("no-title.md", "missing-title", "error"),
        ("missing-sections.md", "missing-section", "warning"),
        ("missing-sections.md", "empty-section", "warning"),
        ("bad-faqs.md", "faq-pairs", "warning"),
        ("bad-faqs.md", "faq-answer", "error"),
        ("unknown-key.md", "unknown-key", "warning"),
        ("unknown-key.md", "reviewed-date", "warning"),
        ("dup-title-b.md", "duplicate-title", "error"),
        ("dup-title-b.md", "duplicate-alias", "error"),
        ("latin1.md", "not-utf8", "error"),
        ("binary.md", "not-markdown", "error"),
        ("notes.txt", "not-markdown", "error"),
    ],
)
def test_each_rule_is_reported(
    findings: dict[tuple[str, str], list[str]], file: str, code: str, level: str
) -> None:
    assert level in findings.get((file, code), []), sorted(findings)


def test_alias_that_is_another_monographs_id_is_an_error() -> None:
    found = validate([INVALID], [], strict=False)
    clash = [f for f in found if f.code == "duplicate-id"]
    assert [Path(f.file).name for f in clash] == ["unclosed.md"]
    assert "alias of 'dup-title-b'" in clash[0].message


def test_strict_turns_missing_sections_into_errors() -> None:
    strict = validate([INVALID / "missing-sections.md"], [], strict=True)
    assert {f.level for f in strict if f.code == "missing-section"} == {"error"}


def test_bundled_corpus_passes_strict() -> None:
    corpora, _ = discover([])
    found = validate(None, corpora, strict=True)
    assert [str(f) for f in found] == []


def test_cli_output_and_exit_codes(run: R) -> None:
    r = run("validate", str(INVALID / "missing-sections.md"))
    assert r.code == 0
    assert ":1: warning: no 'dosage' section" in r.out
    r = run("validate", "--strict", str(INVALID / "missing-sections.md"))
    assert r.code == 1
    r = run("validate", "--json", str(INVALID))
    assert r.code == 1
    rows = r.json()
    assert rows and all(set(x) == {"file", "line", "level", "code", "message"} for x in rows)
    yaml_row = next(x for x in rows if x["code"] == "front-matter-yaml")
    assert yaml_row["line"] >= 2


def test_line_numbers_point_at_the_section(tmp_path: Path) -> None:
    path = INVALID / "missing-sections.md"
    found = validate([path], [], strict=False)
    empty = next(f for f in found if f.code == "empty-section")
    assert path.read_text().splitlines()[empty.line - 1] == "### Usage"


def test_bundled_monographs_meet_the_corpus_standard() -> None:
    from medref.models import CANONICAL_KEYS
    from medref.parse import parse_file

    files = sorted((Path(__file__).parent.parent / "monographs").glob("*.md"))
    assert len(files) >= 61
    for path in files:
        if path.stem == "colostrum":  # the reference monograph ships unchanged
            continue
        mono = parse_file(path)
        assert {"title", "aliases", "class", "tags", "sources", "reviewed"} <= set(
            mono.front_matter_keys
        ), path.name
        assert mono.aliases and mono.sources and mono.drug_class and mono.reviewed, path.name
        keys = [s.key for s in mono.sections]
        if keys[0] == "boxed-warning":  # a label's boxed warning comes first, when it has one
            keys = keys[1:]
        assert keys == [*CANONICAL_KEYS, "disclaimer"], path.name
        assert 4 <= len(mono.faqs) <= 6, path.name
        precautions = " ".join(s.text for s in mono.sections if s.key == "precautions").lower()
        for topic in ("allerg", "pregnan", "breastfeed"):
            assert topic in precautions, (path.name, topic)


def test_boxed_warning_list_is_checked_under_strict(tmp_path: Path) -> None:
    from medref.validate import boxed_warning_labels

    assert "warfarin" in boxed_warning_labels()
    text = (Path(__file__).parent.parent / "monographs" / "warfarin.md").read_text()
    without = text.replace("### Boxed Warning\n", "### Boxed Warnings Gone\n")
    (tmp_path / "warfarin.md").write_text(without)
    codes = {f.code for f in validate([tmp_path], [], strict=True) if f.level == "error"}
    assert "boxed-warning-missing" in codes
    assert not any(f.code.startswith("boxed") for f in validate([tmp_path], [], strict=False))
    head, _, rest = text.partition("### Boxed Warning\n")
    box, _, tail = rest.partition("### Generic Name\n")
    (tmp_path / "warfarin.md").write_text(
        head + "### Generic Name\n" + tail + "### Boxed Warning\n" + box
    )
    codes = {f.code for f in validate([tmp_path], [], strict=True)}
    assert "boxed-warning-order" in codes


def test_every_listed_boxed_warning_is_a_bundled_monograph_with_the_section() -> None:
    from medref.parse import parse_file
    from medref.validate import boxed_warning_labels

    bundled = Path(__file__).parent.parent / "monographs"
    listed = boxed_warning_labels()
    assert len(listed) >= 15
    for mono_id, label in listed.items():
        assert label["label"].startswith("http") and label["label_date"], mono_id
        mono = parse_file(bundled / f"{mono_id}.md")
        assert mono.sections[0].key == "boxed-warning", mono_id


def test_every_bundled_monograph_has_an_independent_review_record() -> None:
    import yaml

    root = Path(__file__).parent.parent
    for path in sorted((root / "monographs").glob("*.md")):
        record = root / "docs" / "reviews" / f"{path.stem}.yaml"
        assert record.is_file(), f"no review record for {path.stem}"
        data = yaml.safe_load(record.read_text(encoding="utf-8"))
        assert data["id"] == path.stem
        reviewer = str(data.get("reviewer", ""))
        assert reviewer and "pending" not in reviewer, path.stem
        assert "not the author" in reviewer, path.stem
        assert data["sources"] and all(s.get("address") for s in data["sources"]), path.stem
        checked = data["checked"]
        for field in ("boxed_warning", "contraindications", "interactions", "usual_dose"):
            assert checked.get(field), (path.stem, field)
        assert "changes" in data, path.stem
