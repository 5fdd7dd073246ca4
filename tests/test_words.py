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
    assert blocks[0].spans[0][1] != 0 and blocks[1].spans[0][1] == 0  # header row is bold
