"""Search relevance (issue #16): section-weighted ranking, US/UK spellings, corrected
phrases, invisible characters and prose snippets, through `--json` where a user sees them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import Proc, monograph_text, write
from medref.corpus import Corpus
from medref.index import Index, open_index
from medref.index.search import search
from medref.models import Faq
from medref.query import flat_snippet, root
from medref.sections import filter_faqs
from medref.spellings import pairs, variants

M = Callable[..., Proc]


def results(medref: M, *args: str) -> dict[str, Any]:
    proc = medref(*args, "--json")
    assert proc.code == 0, proc.err
    data: dict[str, Any] = proc.json()
    return data


def ids(data: dict[str, Any]) -> list[str]:
    return [h["id"] for h in data["results"]]


# One made-up condition, "quellitis", in a different kind of section of each monograph.
# Every mention is one sentence of the same length, so only the section's kind differs.
MENTION = "Quellitis is named here once among other plain words."
FILLER = "Plain words about something else entirely, said once."


def _body(**where: str) -> str:
    kinds = {
        "usage": "Usage",
        "dosage": "Dosage",
        "side": "Side Effects",
        "works": "How it Works",
        "precautions": "Precautions",
    }
    text = "".join(f"### {label}\n{where.get(key, FILLER)}\n\n" for key, label in kinds.items())
    return text + f"**Disclaimer:** {where.get('disclaimer', 'General information only.')}\n"


@pytest.fixture
def weighted_corpus(tmp_path: Path) -> Path:
    root = tmp_path / "weighted"
    # Named so that alphabetical order (the last tie-break) is the reverse of the expected.
    long_precautions = f"{FILLER} " * 1500 + MENTION
    found = {
        "z-for-it-and-how": _body(usage=MENTION, works=MENTION),
        "y-for-it": _body(usage=MENTION),
        "x-how-it-works": _body(works=MENTION),
        "w-side-effect": _body(side=MENTION),
        # A long section that names it once, and a disclaimer that names it eight times:
        # by bm25 alone the disclaimer would be the better match.
        "v-precaution-and-disclaimer": _body(
            precautions=long_precautions, disclaimer=f"{MENTION} " * 8
        ),
        "u-long-precaution": _body(precautions=long_precautions),
        "t-disclaimer-only": _body(disclaimer=f"{MENTION} " * 8),
    }
    for name, body in found.items():
        write(root, f"{name}.md", monograph_text(name[2:].replace("-", " ").title(), body))
    write(root, "quellitis.md", monograph_text("Quellitis", _body(side=MENTION)))
    return root


def test_sections_count_by_kind_and_boilerplate_comes_last(
    medref: M, weighted_corpus: Path
) -> None:
    data = results(medref, "--corpus", str(weighted_corpus), "search", "quellitis")
    order = ids(data)
    # The monograph named by the query first; then Usage (with How it Works too, before
    # Usage alone: the evidence adds up); How it Works; Side Effects and Precautions;
    # last the monograph found only in its disclaimer.
    assert order[:5] == [
        "quellitis",
        "z-for-it-and-how",
        "y-for-it",
        "x-how-it-works",
        "w-side-effect",
    ]
    assert set(order[5:7]) == {"v-precaution-and-disclaimer", "u-long-precaution"}
    assert order[7:] == ["t-disclaimer-only"]
    sections = {h["id"]: h["section"] for h in data["results"]}
    assert sections["z-for-it-and-how"] == "usage"  # the snippet comes from the best section
    assert sections["v-precaution-and-disclaimer"] == "precautions"  # never the disclaimer
    assert sections["t-disclaimer-only"] == "disclaimer"  # still listed
    scores = [h["score"] for h in data["results"]]
    assert scores == sorted(scores, reverse=True) and len(set(scores[1:5])) == 4


def test_section_filter_restricts_the_weighted_ranking(medref: M, weighted_corpus: Path) -> None:
    data = results(
        medref, "--corpus", str(weighted_corpus), "search", "quellitis", "--section", "precautions"
    )
    # (The monograph titled Quellitis matches by name in every section.)
    assert ids(data)[0] == "quellitis"
    assert set(ids(data)[1:]) == {"v-precaution-and-disclaimer", "u-long-precaution"}
    assert {h["section"] for h in data["results"]} == {"precautions"}


@pytest.mark.parametrize(
    "query, first",
    [
        ("blood thinner", {"warfarin", "apixaban"}),  # ginkgo's disclaimer was first
        ("enlarged prostate", {"finasteride", "tamsulosin"}),
        ("hypothyroidism", {"levothyroxine"}),
        ("heartburn", {"famotidine", "omeprazole", "pantoprazole", "calcium-carbonate"}),
    ],
)
def test_bundled_topic_searches_rank_what_a_monograph_is_for_first(
    medref: M, query: str, first: set[str]
) -> None:
    data = results(medref, "search", query)
    assert set(ids(data)[: len(first)]) == first
    assert all(h["section"] == "usage" for h in data["results"][: len(first)])
    assert "disclaimer" not in {h["section"] for h in data["results"]}


def test_both_spellings_find_the_same_monographs(medref: M) -> None:
    us = results(medref, "search", "diarrhea", "--limit", "200")
    uk = results(medref, "search", "diarrhoea", "--limit", "200")
    assert us["total"] == uk["total"] > 40
    assert ids(us) == ids(uk)
    assert ids(us)[:2] == ["loperamide", "bismuth-subsalicylate"] or set(ids(us)[:2]) == {
        "loperamide",
        "bismuth-subsalicylate",
    }
    tumor = results(medref, "search", "tumor", "--limit", "50")
    assert "ginkgo" in ids(tumor) and tumor["corrected_query"] is None


def test_a_typo_inside_a_quoted_phrase_is_corrected(medref: M) -> None:
    right = results(medref, "search", '"enlarged prostate"')
    typo = results(medref, "search", '"enlargd prostate"')
    assert typo["corrected_query"] == '"enlarged prostate"'
    assert ids(typo) == ids(right) and typo["total"] == right["total"] > 0


def test_a_misspelt_us_spelling_is_corrected_where_the_corpus_writes_the_uk_one(
    medref: M,
) -> None:
    typo = results(medref, "search", "diarhea")
    assert typo["corrected_query"] == "diarrhea"
    assert typo["total"] == results(medref, "search", "diarrhoea")["total"]


def test_invisible_characters_in_a_query_are_ignored(medref: M) -> None:
    # zero-width space, soft hyphen, zero-width joiner, byte-order mark, word joiner
    hidden = results(medref, "search", "hy\u200bpo\u00adthy\u200droid\ufeffism\u2060")
    assert hidden["corrected_query"] is None
    assert ids(hidden) == ids(results(medref, "search", "hypothyroidism")) == ["levothyroxine"]
    assert results(medref, "show", "war\u2060far\u200bin")["id"] == "warfarin"


def test_snippets_read_as_prose(medref: M) -> None:
    data = results(medref, "search", "diarrhea")
    for hit in data["results"]:
        assert "•" not in hit["snippet"] and "\n" not in hit["snippet"]
    bismuth = next(h for h in data["results"] if h["id"] == "bismuth-subsalicylate")
    assert "**diarrhoea**. · Upset stomach:" in bismuth["snippet"]


@pytest.mark.parametrize(
    "raw, flat",
    [
        ("Intro:\n• first\n• second", "Intro: first · second"),
        ("…end of one.\n• Item: text\n  • nested", "…end of one. · Item: text · nested"),
        ("…• starts mid-list\n• next", "…starts mid-list · next"),
        ("Last item\n•…", "Last item…"),
        ("Two\nlines", "Two lines"),
        ("One line with • inside", "One line with • inside"),
    ],
)
def test_flat_snippet(raw: str, flat: str) -> None:
    assert flat_snippet(raw) == flat


# -- every US/UK pair: search, faq word filters and typo correction ---------------------


PAIRS = pairs()


@pytest.fixture(scope="module")
def spelling_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Index]:
    """A corpus where each pair's US spelling is in one monograph and its UK one in another."""
    root = tmp_path_factory.mktemp("spellings")
    for n, (us, uk) in enumerate(PAIRS):
        for side, word in (("us", us), ("uk", uk)):
            title = f"Pairmine {side} {n}"
            write(root, f"{side}-{n}.md", monograph_text(title, f"### Usage\nAbout {word} here.\n"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MEDREF_CACHE_DIR", str(tmp_path_factory.mktemp("spelling-cache")))
        index = open_index([Corpus(root, "test")])
        yield index
        index.conn.close()


def test_there_are_at_least_forty_pairs() -> None:
    assert len(PAIRS) >= 40
    assert len({w for pair in PAIRS for w in pair}) == 2 * len(PAIRS)  # no word twice


@pytest.mark.parametrize("n", range(len(PAIRS)), ids=[f"{us}-{uk}" for us, uk in PAIRS])
def test_each_pair_matches_in_search_faqs_and_typo_correction(
    spelling_index: Index, n: int
) -> None:
    us, uk = PAIRS[n]
    assert variants(us) == [uk] and variants(uk) == [us]
    both = {f"us-{n}", f"uk-{n}"}
    # Forms that share a root match too ("pediatric" finds "pediatrician", as "allergy"
    # finds "allergic"): those pairs may join the results, no other.
    stems = tuple(root(w) or w for w in (us, uk))
    related = {
        f"{side}-{m}"
        for m, p in enumerate(PAIRS)
        if p[0].startswith(stems) or p[1].startswith(stems)
        for side in ("us", "uk")
    }
    plural = [] if us.endswith("s") else [us + "s"]
    for word in (us, uk, *plural, f'"about {us}"'):
        found = search(spelling_index, word, limit=50)
        assert both <= {h.id for h in found.hits} <= related, word
        assert found.corrected_query is None
    faqs = (Faq(f"Is {uk} common?", "Yes."), Faq(f"What about {us}?", "Ask."), Faq("Other?", "No."))
    assert filter_faqs(faqs, us) == faqs[:2] == filter_faqs(faqs, uk)
    for typo in (us[:1] + "q" + us[1:], uk[:1] + "q" + uk[1:]):  # one edit away
        corrected = search(spelling_index, typo, limit=50)
        assert corrected.corrected_query in (us, uk)
        assert both <= {h.id for h in corrected.hits} <= related


@pytest.fixture(scope="module")
def uk_only_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Index]:
    """A corpus that writes only the UK spellings."""
    root = tmp_path_factory.mktemp("uk-only")
    for n, (_us, uk) in enumerate(PAIRS):
        write(root, f"uk-{n}.md", monograph_text(f"Ukmine {n}", f"### Usage\nAbout {uk} here.\n"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MEDREF_CACHE_DIR", str(tmp_path_factory.mktemp("uk-only-cache")))
        index = open_index([Corpus(root, "test")])
        yield index
        index.conn.close()


@pytest.mark.parametrize("n", range(len(PAIRS)), ids=[f"{us}-{uk}" for us, uk in PAIRS])
def test_a_misspelt_us_spelling_is_corrected_to_the_us_spelling(
    uk_only_index: Index, n: int
) -> None:
    us = PAIRS[n][0]
    assert search(uk_only_index, us, limit=50).corrected_query is None  # not a typo
    corrected = search(uk_only_index, us + "q", limit=50)  # one edit from the US spelling
    assert corrected.corrected_query == us
    assert f"uk-{n}" in {h.id for h in corrected.hits}


# -- the ranking table: tiers of section kinds, one row per monograph (issue #14) --------


def test_a_use_outranks_many_mentions_in_a_lesser_kind_of_section(
    medref: M, tmp_path: Path
) -> None:
    root = tmp_path / "tiers"
    # One mention in a long Usage section; the same word five times in a short How it Works
    # (by bm25 that section is by far the better match, more than twice the weight between).
    long_usage = f"{FILLER} " * 60 + MENTION
    write(root, "a.md", monograph_text("Alphamine", _body(usage=long_usage)))
    write(root, "b.md", monograph_text("Betamine", _body(works=f"{MENTION} " * 5)))
    data = results(medref, "--corpus", str(root), "search", "quellitis")
    assert ids(data) == ["a", "b"]
    assert [h["section"] for h in data["results"]] == ["usage", "how-it-works"]


def test_every_word_must_match_within_one_section(medref: M, tmp_path: Path) -> None:
    root = tmp_path / "together"
    write(root, "apart.md", monograph_text("Apartine", _body(usage=MENTION, side="Zorbex too.")))
    write(root, "together.md", monograph_text("Togethine", _body(side=f"{MENTION} Zorbex.")))
    data = results(medref, "--corpus", str(root), "search", "quellitis zorbex")
    assert ids(data) == ["together"] and data["total"] == 1


def test_ranking_follows_edits_and_removals(medref: M, tmp_path: Path) -> None:
    root = tmp_path / "edits"
    env = {"MEDREF_RECHECK": "0"}  # every command checks every file
    write(root, "a.md", monograph_text("Alphamine", _body(side=MENTION)))
    write(root, "b.md", monograph_text("Betamine", _body(works=MENTION)))
    write(root, "c.md", monograph_text("Gammamine", _body(precautions=MENTION)))
    args = ("--corpus", str(root), "search", "quellitis", "--json")
    first = medref(*args, env=env).json()
    assert ids(first) == ["b", "a", "c"] or ids(first) == ["b", "c", "a"]
    # a's mention moves to Usage; c's goes away; b's file is removed
    write(root, "a.md", monograph_text("Alphamine", _body(usage=MENTION)))
    write(root, "c.md", monograph_text("Gammamine", _body()))
    (root / "b.md").unlink()
    later = medref(*args, env=env).json()
    assert ids(later) == ["a"] and later["total"] == 1
    assert later["results"][0]["section"] == "usage"
