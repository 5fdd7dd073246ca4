"""Name matching and the query language, piece by piece (names.py, query.py).

These are what a user meets as "did you mean", "showing results for" and snippet marks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from medref.names import close_matches, edit_distance, name_key, typed
from medref.parse import parse_file
from medref.query import parse_query, split_marks


@pytest.mark.parametrize(
    "a, b, limit, expected",
    [
        ("kitten", "sitting", 3, 3),
        ("colostrum", "colostrum", 2, 0),
        ("zicn", "zinc", 2, 1),  # a swap of neighbours is one edit
        ("abcd", "bacd", 2, 1),
        ("ab", "abcd", 2, 2),
        ("", "abc", 3, 3),
        ("abc", "", 3, 3),
        ("a", "b", 1, 1),
        ("kitten", "sitting", 2, 3),  # past the limit: limit + 1
        ("ibuprofen", "ibu", 2, 3),  # lengths alone exceed the limit
        ("naproxen", "naproxne", 1, 1),
        ("acetaminophen", "acetaminophne", 1, 1),
    ],
)
def test_edit_distance(a: str, b: str, limit: int, expected: int) -> None:
    assert edit_distance(a, b, limit) == expected
    assert edit_distance(b, a, limit) == expected


def test_close_matches_are_nearest_first_then_alphabetical() -> None:
    names = ["colostrum", "colostrom", "clostridium", "zinc", "colostrums"]
    assert close_matches("colostrun", names) == ["colostrum", "colostrom", "colostrums"]
    assert close_matches("colostrum", names) == ["colostrom", "colostrums"]  # never itself
    assert close_matches("zicn", names, limit=5) == ["zinc"]
    assert close_matches("colostrun", names, limit=1) == ["colostrum"]


def test_typed_text_keeps_valid_text_and_replaces_undecodable_bytes() -> None:
    assert typed("Colostrum") == "Colostrum"
    assert typed("Café") == "Café"
    assert typed("colostrum\udcff") == "colostrum\ufffd"
    assert name_key(typed("colostrum\udcff")) == "colostrum"


@pytest.mark.parametrize(
    "query, shown",
    [
        ("allergy", "allergy"),
        ('"milk allergy"', '"milk allergy"'),
        ("atorva*", "atorva*"),
        ("allergy -milk", "allergy -milk"),
        ('allergy -"cow milk"', 'allergy -"cow milk"'),
        ("-over-the-counter aspirin", '-"over the counter" aspirin'),
        ("Café  Latte", "cafe latte"),
    ],
)
def test_a_query_shows_as_it_is_read(query: str, shown: str) -> None:
    # The form `showing results for '...'` prints after a correction.
    assert parse_query(query).show() == shown


def test_marked_snippets_split_into_matched_pieces() -> None:
    assert split_marks("Milk **allergy**: avoid **it**") == [
        ("Milk ", False),
        ("allergy", True),
        (": avoid ", False),
        ("it", True),
    ]
    assert split_marks("**all**") == [("all", True)]
    assert split_marks("plain") == [("plain", False)]


def test_parse_file_reads_names_corpus_and_encoding_problems(tmp_path: Path) -> None:
    path = tmp_path / "latin.md"
    path.write_bytes("---\ntitle: Caf\xe9\n---\n### Usage\nText.\n".encode("latin-1"))
    mono = parse_file(path, mono_id="given-id", corpus="--corpus")
    assert mono.id == "given-id" and mono.corpus == "--corpus" and mono.source == str(path)
    problem = next(p for p in mono.problems if p.code == "not-utf8")
    assert problem.level == "error" and problem.line == 2
    clean = tmp_path / "clean.md"
    clean.write_text("---\ntitle: Clean\n---\n### Usage\nText.\n")
    plain = parse_file(clean)
    assert plain.id == "clean" and plain.corpus == "" and plain.problems == ()


def test_tables_become_rows_of_cells(tmp_path: Path) -> None:
    path = tmp_path / "t.md"
    path.write_text("---\ntitle: T\n---\n### Dosage\n| Age | Dose |\n|---|---|\n| Adult | 1 |\n")
    blocks = parse_file(path).sections[0].blocks
    assert [b.plain() for b in blocks] == ["Age | Dose", "Adult | 1"]
    assert [b.kind for b in blocks] == ["th", "td"]  # the header row, then a row


# -- reading files and parsing blocks (what `show` prints and `validate` reports) -----------

MAX = 8 * 2**20


@pytest.mark.parametrize("told", [0, 10])
def test_read_text_reads_a_file_whole_whatever_size_it_was_told(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, told: int
) -> None:
    """A read is sized by the file's size; a file that grew since (or a size not known, as
    for a pipe) is still read whole, and still limited."""
    import os
    from types import SimpleNamespace

    from medref.parse import read_text

    monkeypatch.setattr(os, "fstat", lambda fd: SimpleNamespace(st_size=told))
    grown = tmp_path / "grown.md"
    grown.write_text("### Usage\n" + "word " * 5000)
    assert read_text(grown)[0] == grown.read_text()
    big = tmp_path / "big.md"
    big.write_bytes(b"a" * (MAX + 1))
    with pytest.raises(ValueError, match=r"^larger than 8 MiB, not a monograph$"):
        read_text(big)


def test_read_text_limits_and_messages(tmp_path: Path) -> None:
    from medref.parse import read_text

    exact = tmp_path / "exact.md"
    exact.write_bytes(b"a" * MAX)
    assert len(read_text(exact)[0]) == MAX  # the limit itself is allowed
    big = tmp_path / "big.md"
    big.write_bytes(b"a" * (MAX + 1))
    with pytest.raises(ValueError, match=r"^larger than 8 MiB, not a monograph$"):
        read_text(big)
    binary = tmp_path / "bin.md"
    binary.write_bytes(b"x" * 8191 + b"\x00")
    with pytest.raises(ValueError, match=r"^binary file, not Markdown$"):
        read_text(binary)
    late = tmp_path / "late.md"
    late.write_bytes(b"x" * 8192 + b"\x00")
    assert read_text(late)[0].endswith("\x00")  # only the start is sniffed
    bom = tmp_path / "bom.md"
    bom.write_bytes(b"\xef\xbb\xbf# Title\n")
    assert read_text(bom) == ("# Title\n", [])


def test_front_matter_problems_and_values() -> None:
    from medref.parse import parse

    unclosed = parse("---\ntitle: X\n### Usage\nText.\n")
    p = next(p for p in unclosed.problems if p.code == "front-matter-unclosed")
    assert (p.level, p.line, p.message) == ("error", 1, "front matter has no closing '---'")
    bad = parse("---\ntitle: [unclosed\n---\n### Usage\nText.\n")
    p = next(p for p in bad.problems if p.code == "front-matter-yaml")
    assert p.level == "error" and p.line >= 2
    not_map = parse("---\n- a\n- b\n---\n### Usage\nText.\n")
    p = next(p for p in not_map.problems if p.code == "front-matter-yaml")
    assert p.message == "front matter is not a mapping"
    good = parse(
        "---\ntitle: Good\nimported: openfda\nsource:\n  set_id: abc\n  labels: 3\n---\n"
        "### Usage\nx\n"
    )
    assert good.imported == "openfda" and good.label == {"set_id": "abc", "labels": "3"}
    assert good.title == "Good" and good.problems == ()


def test_missing_title_and_empty_files() -> None:
    from medref.parse import parse

    with_h1 = parse("# Heading Title\n### Usage\nx\n", path="f.md")
    assert with_h1.title == "Heading Title"
    assert [(p.code, p.level) for p in with_h1.problems] == [("missing-title", "warning")]
    bare = parse("### Usage\nx\n", path="some-file.md")
    assert bare.title == "some-file" and bare.id == "some-file"
    assert [(p.code, p.level) for p in bare.problems] == [("missing-title", "error")]
    empty = parse("", path="e.md")
    assert ("empty", "error") in [(p.code, p.level) for p in empty.problems]


def test_blocks_keep_lists_numbers_quotes_code_and_rules() -> None:
    from medref.parse import parse

    mono = parse(
        "---\ntitle: B\n---\n### Dosage\n"
        "1. Adults\n   * 20 mg daily\n2. Children\n\n"
        "> quoted *words*\n\n```\ncode line\n```\n\n---\n\n<p>html <b>text</b></p>\n\n"
        "Text with **bold**, *italic*, `code`, ~~gone~~ and [a link](http://x) 10<sup>3</sup>\n"
    )
    blocks = mono.sections[0].blocks
    shapes = [(b.kind, b.depth, b.marker, b.plain()) for b in blocks]
    assert shapes[:3] == [
        ("li", 0, "1.", "Adults"),
        ("li", 1, "•", "20 mg daily"),
        ("li", 0, "2.", "Children"),
    ]
    assert ("quote", 0, "", "quoted words") in shapes
    assert ("code", 0, "", "code line") in shapes
    assert ("hr", 0, "", "") in shapes
    assert ("p", 0, "", "html text") in shapes
    last = blocks[-1]
    from medref.models import BOLD, CODE, ITALIC, LINK, STRIKE

    flags = {text: f for text, f in last.spans}
    assert flags["bold"] == BOLD and flags["italic"] == ITALIC and flags["code"] == CODE
    assert flags["gone"] == STRIKE and flags["a link"] == LINK
    assert last.plain().endswith("10^3")


def test_ordered_lists_start_where_the_document_says() -> None:
    from medref.parse import parse

    blocks = parse("---\ntitle: O\n---\n### Usage\n3. three\n4. four\n").sections[0].blocks
    assert [b.marker for b in blocks] == ["3.", "4."]


def test_bold_labels_split_from_their_text() -> None:
    from medref.parse import parse

    mono = parse("---\ntitle: L\n---\n**Usage:** For pain.\n\n**Dosage**: One tablet.\n")
    assert [(s.key, s.text) for s in mono.sections] == [
        ("usage", "For pain."),
        ("dosage", "One tablet."),
    ]


def test_question_shapes_in_faqs() -> None:
    from medref.parse import parse

    mono = parse(
        "---\ntitle: F\n---\n### FAQs\n"
        "* **Q: Can I?** A: Yes.\n"
        "* **Is it safe?** Mostly.\n"
        "* Q: Plain question? A: Plain answer.\n\n"
        "**Q: Separate?**\n\nA: Separate answer.\n"
    )
    assert [(f.question, f.answer) for f in mono.faqs] == [
        ("Can I?", "Yes."),
        ("Is it safe?", "Mostly."),
        ("Plain question?", "Plain answer."),
        ("Separate?", "Separate answer."),
    ]


@pytest.mark.parametrize(
    "word, typos",
    [("abc", 0), ("abcd", 1), ("abcdef", 1), ("abcdefg", 2), ("a" * 11, 2), ("a" * 12, 3)],
)
def test_allowed_typos_grow_with_the_word(word: str, typos: int) -> None:
    from medref.names import allowed_typos

    assert allowed_typos(word) == typos
