"""Search quality and safety, run against a real index of the bundled corpus plus fixtures."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import FIXTURES, Proc, monograph_text, write
from medref.corpus import discover
from medref.index import Index, open_index
from medref.index.search import search
from medref.query import MARK_OPEN, fts_expression, parse_query, root

SEARCH_FIXTURES = FIXTURES / "search"


@pytest.fixture(scope="module")
def ix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Index]:
    mp = pytest.MonkeyPatch()
    mp.setenv("MEDREF_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    mp.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("data")))
    mp.delenv("MEDREF_PATH", raising=False)
    index = open_index(discover([SEARCH_FIXTURES])[0])
    yield index
    mp.undo()


# (query, options, expected leading ids in order; a frozenset is a group of equal rank whose
# members may come in any order, and "..." at the end means more results may follow)
QUALITY: list[tuple[str, dict[str, object], list[str | frozenset[str]]]] = [
    # known items by name
    ("colostrum", {}, ["colostrum"]),
    ("acetaminophen", {}, ["acetaminophen", "..."]),
    ("metformin", {}, ["metformin", "..."]),
    ("warfarin", {}, ["warfarin", "..."]),
    ("Amoxicillin + Clavulanic Acid", {}, ["amoxicillin-clavulanic-acid", "amoxicillin"]),
    # by alias
    ("tylenol", {}, ["acetaminophen"]),
    ("salbutamol", {}, ["albuterol", "..."]),
    ("advil", {}, ["ibuprofen", "..."]),
    ("co-amoxiclav", {}, ["amoxicillin-clavulanic-acid"]),
    ("curcumin", {}, ["turmeric", "..."]),
    ("paracetamol", {}, ["acetaminophen", "ibuprofen-paracetamol", "..."]),
    # combination products: the single medicine, then combinations, then mentions
    (
        "ibuprofen",
        {},
        ["ibuprofen", frozenset({"ibuprofen-famotidine", "ibuprofen-paracetamol"}), "..."],
    ),
    # Monographs added later mention these names too; they may follow the named ones.
    ("amoxicillin", {}, ["amoxicillin", "amoxicillin-clavulanic-acid", "..."]),
    ("tramadol", {}, ["tramadol", "ketorolac-tramadol", "..."]),
    ("ketorolac", {}, ["ketorolac-tramadol"]),
    ("famotidine", {}, ["famotidine", "ibuprofen-famotidine", "..."]),
    # misspellings
    ("amoxicilin", {}, ["amoxicillin", "amoxicillin-clavulanic-acid", "..."]),
    (
        "ibuprofin",
        {},
        ["ibuprofen", frozenset({"ibuprofen-famotidine", "ibuprofen-paracetamol"}), "..."],
    ),
    ("paracetamole", {}, ["acetaminophen", "ibuprofen-paracetamol", "..."]),
    ("colostrom", {}, ["colostrum"]),
    ("metformine", {}, ["metformin", "..."]),
    ("simvastatn", {}, ["simvastatin", "..."]),
    # symptoms and topics
    (
        "heartburn",
        {},
        [frozenset({"calcium-carbonate", "famotidine", "omeprazole", "pantoprazole"}), "..."],
    ),
    # The four statins (pravastatin and rosuvastatin joined the corpus after this row).
    (
        "cholesterol",
        {},
        [frozenset({"atorvastatin", "simvastatin", "pravastatin", "rosuvastatin"}), "..."],
    ),
    # The four laxatives first (bisacodyl and docusate joined the corpus after this row).
    (
        "constipation",
        {},
        [frozenset({"senna", "polyethylene-glycol-3350", "bisacodyl", "docusate"}), "..."],
    ),
    ("sleep aid", {}, [frozenset({"doxylamine", "diphenhydramine"}), "..."]),
    ("naive dyspepsia", {}, ["cafe-olamin"]),  # diacritics in the text: naïve
    ("olamin", {}, ["cafe-olamin"]),  # and in the title: Ölamin
    # phrases, exclusions and prefixes
    ('"milk allergy"', {}, ["colostrum"]),
    ('"seasonal allergies" ragweed', {}, ["quentaline"]),
    ("atorva*", {}, ["atorvastatin", "..."]),
    ("zorbit*", {}, ["zorbital"]),
    ("ketorolac -surgery", {}, []),
    ("tramadol serotonin -ketorolac", {}, ["..."]),
    # section filters
    ("milk", {"sections": ["faqs"]}, ["colostrum", "..."]),
    ("grapefruit", {"sections": ["precautions", "faqs"]}, ["..."]),
]


def check_order(ids: list[str], expected: list[str | frozenset[str]]) -> None:
    more = bool(expected) and expected[-1] == "..."
    groups = [e for e in expected if e != "..."]
    pos = 0
    for group in groups:
        want = {group} if isinstance(group, str) else set(group)
        got = set(ids[pos : pos + len(want)])
        assert got == want, f"at {pos}: expected {sorted(want)}, got {ids[pos : pos + len(want)]}"
        pos += len(want)
    if not more:
        assert ids[pos:] == [], f"unexpected extra results {ids[pos:]}"
    elif not groups:
        assert ids, "expected some results"


@pytest.mark.parametrize("query, options, expected", QUALITY, ids=[q[0] for q in QUALITY])
def test_quality_table(
    ix: Index, query: str, options: dict[str, object], expected: list[str | frozenset[str]]
) -> None:
    result = search(ix, query, limit=200, **options)  # type: ignore[arg-type]
    check_order([h.id for h in result.hits], expected)


def test_quality_table_is_big_enough() -> None:
    assert len(QUALITY) >= 30


def test_allergy_finds_allergic_and_allergies(ix: Index) -> None:
    # porter alone stems allergy->allergi and allergic->allergic; our root joins them
    allergy = {h.id for h in search(ix, "allergy", limit=500).hits}
    assert {"zorbital", "quentaline", "colostrum"} <= allergy
    allergic = {h.id for h in search(ix, "allergic", limit=500).hits}
    assert "quentaline" in allergic  # says only "allergies"
    assert root("allergy") == root("allergic") == "allerg"


def test_allergy_lists_colostrum_with_a_precautions_or_side_effects_snippet(ix: Index) -> None:
    hits = {h.id: h for h in search(ix, "allergy", limit=500).hits}
    assert hits["colostrum"].section in ("precautions", "side-effects")
    assert f"{MARK_OPEN}allergy{MARK_OPEN}" in hits["colostrum"].snippet.lower()


def test_corrections_are_reported(ix: Index) -> None:
    result = search(ix, "amoxicilin")
    assert result.corrected_query == "amoxicillin"
    result = search(ix, "ibuprofen")
    assert result.corrected_query is None


def test_exclusion_removes_monographs(ix: Index) -> None:
    with_milk = {h.id for h in search(ix, "allergy", limit=500).hits}
    without = {h.id for h in search(ix, "allergy -milk", limit=500).hits}
    assert "colostrum" in with_milk and "colostrum" not in without
    assert without


def test_section_filter_limits_sections(ix: Index) -> None:
    result = search(ix, "allergy", sections=["side-effects"], limit=100)
    assert result.hits and {h.section for h in result.hits} == {"side-effects"}


def test_all_sections_lists_every_matching_section(ix: Index) -> None:
    one = search(ix, "milk", limit=100)
    every = search(ix, "milk", limit=100, all_sections=True)
    colostrum = [h.section for h in every.hits if h.id == "colostrum"]
    assert len(colostrum) > 1 and len(colostrum) == len(set(colostrum))
    assert sum(h.id == "colostrum" for h in one.hits) == 1


def test_order_is_stable_and_scores_fall(ix: Index) -> None:
    first = [h.to_dict() for h in search(ix, "pain", limit=50).hits]
    second = [h.to_dict() for h in search(ix, "pain", limit=50).hits]
    assert first == second
    scores = [h["score"] for h in first]
    assert scores == sorted(scores, reverse=True)


def test_limit_and_total(ix: Index) -> None:
    result = search(ix, "allergy", limit=3)
    assert len(result.hits) == 3 and result.total > 3


def test_snippets_are_plain_text_of_about_thirty_words(ix: Index) -> None:
    for hit in search(ix, "bleeding", limit=20).hits:
        assert "###" not in hit.snippet
        assert len(hit.snippet.split()) <= 40


@pytest.mark.parametrize(
    "text, expected",
    [
        ("a b", '("a" AND "b")'),
        ('"milk allergy"', '("milk allergy")'),
        ("pain -fever", '(("pain") NOT "fever")'),
        ("atorva*", '("atorva"*)'),
        ("allergy", '(("allergy" OR "allerg"*))'),
        (
            'NEAR(a b) OR c:d ^e "unbalanced',
            '("near" AND "a" AND "b" AND "or" AND "c" AND "d" AND "e" AND "unbalanced")',
        ),
    ],
)
def test_query_builder_quotes_every_token(text: str, expected: str) -> None:
    assert fts_expression(parse_query(text)) == expected


HOSTILE = [
    '"',
    '""',
    '"""',
    "*",
    "^",
    ":",
    "NEAR(",
    "NEAR(a b",
    "AND",
    "OR",
    "NOT",
    "a AND",
    "( )",
    ")(",
    "title:colostrum",
    "-",
    "--",
    "-*",
    "a -",
    "'; DROP TABLE docs; --",
    "1' OR '1'='1",
    "x" * 100_000,
    "!!!???",
    "💊🤒",
    "colostrum 💊",
    "\x00",
    "\\",
    "%",
    "_",
    "a\nb",
    "é" * 50,
    "*colostrum",
    "co*lostrum",
]


@pytest.mark.parametrize("query", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_queries_never_crash(ix: Index, query: str) -> None:
    result = search(ix, query)
    assert result.total >= len(result.hits)
    assert len({h.id for h in result.hits}) == len(result.hits)  # one result per monograph
    assert ix.conn.execute("SELECT count(*) FROM docs").fetchone()[0] > 60


def test_sections_past_the_rowid_space_are_merged_and_stay_searchable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import medref.index.rows as rows_mod
    import medref.index.schema as schema_mod
    import medref.index.search as search_mod

    monkeypatch.setattr(schema_mod, "SECTION_BITS", 2)
    monkeypatch.setattr(rows_mod, "MAX_SECTIONS", 4)
    monkeypatch.setattr(search_mod, "SECTION_BITS", 2)
    body = "".join(f"## Part {n}\nText number {n} word{n}x.\n\n" for n in range(1, 8))
    root = tmp_path / "c"
    write(root, "a/many.md", monograph_text("Manysection", body))
    write(root, "b/other.md", monograph_text("Othermine", "### Usage\nword7x elsewhere.\n"))
    ix = open_index(discover([root])[0])
    result = search(ix, "word7x")
    assert {h.id for h in result.hits} == {"many", "other"}
    result = search(ix, "word2x")
    assert [h.id for h in result.hits] == ["many"]


def test_snippets_highlight_every_form_of_a_root_and_fall_back_when_the_vocabulary_misses(
    tmp_path: Path,
) -> None:
    root_dir = tmp_path / "c"
    write(root_dir, "a/one.md", monograph_text("Onemine", "### Usage\nMay cause allergic rash.\n"))
    write(root_dir, "b/two.md", monograph_text("Twomine", "### Usage\nTested as allergyx1 only.\n"))
    ix = open_index(discover([root_dir])[0])
    result = search(ix, "allergy", limit=500)
    snippets = {h.id: h.snippet for h in result.hits}
    assert f"{MARK_OPEN}allergic{MARK_OPEN}" in snippets["one"]
    # "allergyx1" is one token to FTS5 but not a vocabulary word: the prefix query is used.
    assert f"{MARK_OPEN}allergyx1{MARK_OPEN}" in snippets["two"]


def test_a_long_section_is_indexed_as_passages_and_found_once(tmp_path: Path) -> None:
    from medref.index.rows import PASSAGE_CHARS

    body = "### Usage\n" + "Lorem ipsum dolor sit amet. " * 8000 + "\n### Dosage\nOne lorem.\n"
    write(tmp_path, "huge.md", monograph_text("Hugeamine", body))
    ix = open_index(discover([tmp_path])[0])
    rows = ix.conn.execute(
        "SELECT s.part, length(t.body) FROM secmeta s JOIN sectext t"
        " ON t.rowid = s.rowid JOIN docs d ON d.doc = s.rowid >> 16"
        " WHERE d.id = 'huge' AND s.key = 'usage' ORDER BY s.rowid"
    ).fetchall()
    assert [part for part, _n in rows] == list(range(len(rows))) and len(rows) > 1
    assert all(n <= PASSAGE_CHARS for _p, n in rows)
    result = search(ix, "lorem", all_sections=True)
    hits = [(h.id, h.section) for h in result.hits if h.id == "huge"]
    assert hits == [("huge", "usage"), ("huge", "dosage")]  # the usage section once
    assert result.total == 2
    assert "**Lorem**" in result.hits[0].snippet


def test_a_phrase_matches_in_order_and_its_snippet_marks_the_phrase(
    tmp_path: Path, medref: Callable[..., Proc]
) -> None:
    """The sections table keeps no word positions (schema.py): the ranking table checks a
    phrase's order, and the snippet marks the phrase from a copy that keeps them."""
    root_dir = tmp_path / "c"
    write(
        root_dir,
        "a/one.md",
        monograph_text(
            "Onemine", "### Precautions\nA known velmar tazzle rules it out: it holds velmar fat.\n"
        ),
    )
    write(
        root_dir,
        "b/two.md",
        monograph_text("Twomine", "### Precautions\nNo tazzle reported; taken with velmar.\n"),
    )
    write(
        root_dir,
        "c/three.md",
        monograph_text(
            "Threemine",
            "### Usage\nA tazzle, not a velmar.\n\n### Precautions\nAny velmar tazzle.\n",
        ),
    )
    env = {"MEDREF_PATH": str(root_dir)}
    # The phrase is matched section by section: three only in its Precautions.
    three = medref("search", '"velmar tazzle"', "--section", "usage", "--json", env=env)
    assert three.json()["results"] == [] and three.code == 1
    three = medref("search", '"velmar tazzle"', "--all-sections", "--json", env=env).json()
    assert {(h["id"], h["section"]) for h in three["results"]} == {
        ("one", "precautions"),
        ("three", "precautions"),
    }
    write(root_dir, "c/three.md", monograph_text("Threemine", "### Usage\nNone.\n"))
    found = medref("search", '"velmar tazzle"', "--json", env=env)
    assert found.code == 0, found.err
    hits = found.json()["results"]
    assert [h["id"] for h in hits] == ["one"] and found.json()["total"] == 1
    assert "**velmar tazzle**" in hits[0]["snippet"]
    assert "**velmar** fat" not in hits[0]["snippet"]  # the word alone is not the phrase
    # The words anywhere in one section, without quotes: both monographs.
    words = medref("search", "velmar tazzle", "--json", env=env)
    assert {h["id"] for h in words.json()["results"]} == {"one", "two"}


def test_corrections_follow_edits_and_never_suggest_a_removed_word(
    tmp_path: Path, medref: Callable[..., Proc]
) -> None:
    """The vocabulary grows with every refresh and keeps a removed monograph's words until
    the next full build (build.Writer), but a word that matches nothing is never offered."""
    root_dir = tmp_path / "c"
    write(root_dir, "a/one.md", monograph_text("Onemine", "### Usage\nEases quorblatine itch.\n"))
    two = write(root_dir, "b/two.md", monograph_text("Twomine", "### Usage\nPlain text.\n"))
    env = {"MEDREF_PATH": str(root_dir)}
    assert medref("search", "quorblatyne", "--json", env=env).json()["corrected_query"] == (
        "quorblatine"
    )
    # An edit brings a new word: it is corrected to at once.
    two.write_text(monograph_text("Twomine", "### Usage\nTreats zentrafolia.\n"), "utf-8")
    os.utime(two.parent, (1, 1))  # the folder's stamp changes, as an editor's save may not
    fixed = medref("search", "zentrafolya", "--json", env=env).json()
    assert fixed["corrected_query"] == "zentrafolia"
    assert [h["id"] for h in fixed["results"]] == ["two"]
    # Its word gone, the first word is not offered, though the vocabulary still holds it.
    (root_dir / "a" / "one.md").unlink()
    gone = medref("search", "quorblatyne", "--json", env=env)
    assert gone.code == 1 and gone.json()["corrected_query"] is None


def test_sections_match_every_form_that_stems_alike(
    tmp_path: Path, medref: Callable[..., Proc]
) -> None:
    """The sections table keeps words as written (schema.py): a word of a query matches
    there as each of its forms that the ranking table stems alike, and a prefix as the
    prefix of its stem too, so sections and monographs agree."""
    root_dir = tmp_path / "c"
    write(
        root_dir,
        "a/one.md",
        monograph_text("Onemine", "### Usage\nEases a rash and an allergy in velmars in a day.\n"),
    )
    write(
        root_dir,
        "b/two.md",
        monograph_text(
            "Twomine", "### Usage\nFor diabetic velmars, seen by an allergist; 250 mg.\n"
        ),
    )
    env = {"MEDREF_PATH": str(root_dir)}
    for query, expected in [
        ("rashes velmar", ["one"]),  # two words: matched in one section
        ("days velmar", ["one"]),  # a stem of three letters ("dai")
        ("250 velmars", ["two"]),  # numbers as written
        ("25* velmars", ["two"]),
        ("diabetes velmar", ["two"]),
        # allergi* as the ranking table stems it: "allergist" too, as FTS5 would match it
        ("allergies* velmars", ["one", "two"]),
    ]:
        found = medref("search", query, "--json", env=env).json()
        assert sorted(h["id"] for h in found["results"]) == expected, query
        assert found["total"] == len(expected), query
        assert all("**" in h["snippet"] for h in found["results"]), query
