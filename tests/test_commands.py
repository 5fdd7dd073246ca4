"""The main commands as a user runs them: the installed `medref` script in a subprocess.

Each test checks what a user sees (exit code, stdout, stderr), so breaking the behaviour
it names fails it, whatever the code path inside.
"""

from __future__ import annotations

import json
import os
import pty
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import MEDREF, Proc, monograph_text, write

M = Callable[..., Proc]


def test_show_renders_the_page_with_its_footer_and_json_scripts(medref: M) -> None:
    page = medref("show", "colostrum", "--color", "never")
    assert page.code == 0 and page.out.startswith("Colostrum  (colostrum)")
    assert "Dosage" in page.out and page.out.rstrip().endswith("own care.")
    assert "not medical advice" in page.out
    data = medref("show", "tylenol", "-s", "dose", "--json").json()
    assert data["id"] == "acetaminophen" and [s["key"] for s in data["sections"]] == ["dosage"]
    missing = medref("show", "colostrom")
    assert missing.code == 1 and "did you mean 'colostrum'" in missing.err
    assert len(missing.err.splitlines()) == 1


def test_global_options_before_and_after_the_command_are_the_same(medref: M) -> None:
    before = medref("--color", "always", "show", "colostrum", "-s", "dosage")
    after = medref("show", "colostrum", "-s", "dosage", "--color", "always")
    assert before.code == after.code == 0
    assert "\x1b[" in after.out and after.out == before.out
    plain = medref("show", "colostrum", "-s", "dosage", "--color=never")
    assert "\x1b[" not in plain.out


def test_faq_lists_and_filters_questions(medref: M) -> None:
    every = medref("faq", "colostrum", "--json").json()["faqs"]
    milk = medref("faq", "colostrum", "milk", "--json").json()["faqs"]
    assert 0 < len(milk) < len(every)
    assert all("milk" in (f["question"] + f["answer"]).lower() for f in milk)
    none = medref("faq", "colostrum", "qwxzptl")
    assert none.code == 1 and "No questions matching" in none.out


def test_search_ranks_names_first_with_snippets(medref: M) -> None:
    r = medref("search", "ibuprofen", "--json", "-n", "5").json()["results"]
    assert r[0]["id"] == "ibuprofen" and r[0]["section"] == "usage"
    text = medref("search", "allergy", "-n", "3", "--color", "never").out
    assert text.startswith("1. ") and "**" not in text
    assert medref("search", "qwxzptl").code == 1


def test_search_exclusions_after_double_dash(medref: M) -> None:
    everything = {h["id"] for h in medref("search", "milk", "--json").json()["results"]}
    kept = {h["id"] for h in medref("search", "milk", "--json", "--", "-allergy").json()["results"]}
    assert kept < everything
    wrong = medref("search", "milk", "-allergy")  # an option to the parser, never an exclusion
    assert wrong.code == 2 and "No such option" in wrong.err


def test_json_usage_errors_are_json(medref: M) -> None:
    r = medref("show", "--json")
    assert r.code == 2
    assert json.loads(r.err)["error"]["code"] == "usage"


def test_list_plain_when_piped_and_json(medref: M) -> None:
    lines = medref("list").out.splitlines()
    assert len(lines) >= 100
    first = lines[0].split("\t")
    assert len(first) == 4 and first[0] == "acetaminophen" and "usage" in first[2]
    listed = medref("list", "--json").json()
    assert [m["id"] for m in listed] == sorted(m["id"] for m in listed)
    assert {"id", "title", "aliases", "sections", "source"} == set(listed[0])


def test_export_jsonl_json_and_markdown(medref: M, tmp_path: Path) -> None:
    jsonl = medref("export", "colostrum", "ibuprofen").out.splitlines()
    assert [json.loads(line)["id"] for line in jsonl] == ["colostrum", "ibuprofen"]
    array = medref("export", "-f", "json").json()
    assert len(array) >= 100
    out = tmp_path / "one.md"
    assert medref("export", "colostrum", "-f", "md", "-o", str(out)).code == 0
    assert out.read_text().startswith("---\n")


def test_index_rebuild_rebuilds(medref: M) -> None:
    info = medref("index", "--json").json()
    conn = sqlite3.connect(info["path"])
    conn.execute("UPDATE meta SET value='2000-01-01T00:00:00' WHERE key='built'")
    conn.commit()
    conn.close()
    assert medref("index", "--json").json()["built"] == "2000-01-01T00:00:00"
    rebuilt = medref("index", "--rebuild", "--json").json()
    assert rebuilt["built"] > "2000-01-01T00:00:00"
    assert rebuilt["monographs"] == info["monographs"] >= 100


def _on_a_terminal(*args: str) -> str:
    """stdout of the installed medref run on a pseudo-terminal, read while it runs."""
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "80", "TERM": "xterm"}
    proc = subprocess.Popen([str(MEDREF), *args], stdout=follower, stderr=subprocess.PIPE, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: everything was read
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert proc.wait(timeout=120) == 0
    return b"".join(chunks).decode().replace("\r\n", "\n")


def test_json_is_indented_on_a_terminal_and_one_line_in_a_pipe(medref: M) -> None:
    tty = _on_a_terminal("show", "colostrum", "--json")
    assert tty.startswith('{\n  "id": "colostrum"')
    piped = medref("show", "colostrum", "--json").out
    assert piped.count("\n") == 1 and json.loads(piped)["id"] == "colostrum"


def test_a_transposed_letter_is_one_typo(medref: M) -> None:
    # "zicn" is four letters: one edit allowed, and a swap of two letters is one edit.
    r = medref("search", "zicn", "--json").json()
    assert r["corrected_query"] == "zinc" and r["results"][0]["id"] == "zinc"
    miss = medref("show", "zicn")
    assert miss.code == 1 and "did you mean 'zinc'" in miss.err


@pytest.fixture
def ranking_corpus(tmp_path: Path) -> Path:
    root = tmp_path / "rank"
    write(
        root,
        "q/quorvex.md",
        monograph_text(
            "Quorvex",
            "### Usage\nQuorvex treats zebrafish fin rot in aquaria and ponds of every size.\n"
            + "### Dosage\n"
            + "One drop in each litre of tank water, repeated weekly for a month. " * 20
            + "\n\n**Disclaimer:** Zebrafish zebrafish zebrafish: ask a vet.\n",
        ),
    )
    write(
        root,
        "p/pondacil.md",
        monograph_text(
            "Pondacil",
            "### Usage\nQuorvex quorvex quorvex: Pondacil is often given with Quorvex.\n",
        ),
    )
    return root


def test_a_disclaimer_is_never_the_section_shown(medref: M, ranking_corpus: Path) -> None:
    hits = medref("--corpus", str(ranking_corpus), "search", "zebrafish", "--json").json()
    quorvex = next(h for h in hits["results"] if h["id"] == "quorvex")
    assert quorvex["section"] == "usage"


def test_the_monograph_named_by_the_query_comes_first(medref: M, ranking_corpus: Path) -> None:
    hits = medref("--corpus", str(ranking_corpus), "search", "quorvex", "--json").json()
    assert [h["id"] for h in hits["results"]][:2] == ["quorvex", "pondacil"]


def test_help_lists_every_option_the_readme_documents(medref: M) -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    for command, options in {
        "show": ["--section", "--raw", "--json", "--color", "--corpus", "--pager"],
        "search": ["--section", "--limit", "--all-sections", "--json"],
        "export": ["--format", "--out"],
        "import": [],
    }.items():
        text = medref(command, "--help").out
        assert text.startswith("Usage: medref " + command)
        for option in options:
            assert option in text, (command, option)
            assert option in readme, (command, option)


def test_a_boxed_warning_comes_first_whatever_is_selected(medref: Callable[..., Proc]) -> None:
    raw = medref("show", "ibuprofen", "-s", "dosage", "--raw")
    assert raw.code == 0 and raw.out.startswith("### Boxed Warning")
    assert "### Dosage" in raw.out and "### Side Effects" not in raw.out
    data = medref("show", "ibuprofen", "-s", "dosage", "--json").json()
    assert [s["key"] for s in data["sections"]] == ["boxed-warning", "dosage"]
    plain = medref("show", "colostrum", "-s", "dosage", "--json").json()
    assert [s["key"] for s in plain["sections"]] == ["dosage"]


def test_an_unquoted_exclusion_says_how_to_write_it(medref: Callable[..., Proc]) -> None:
    """`-cough` is read as `-c ough` (a usage error, never a quiet exclusion): say why."""
    for args in (["search", "allergy", "-cough"], ["search", "allergy", "-sleep"]):
        run = medref(*args)
        assert run.code == 2 and run.out == ""
        assert f"put {args[-1]} after --" in run.err and len(run.err.splitlines()) == 1
    # The same word after -- excludes it, and other commands get no such advice.
    assert medref("search", "allergy", "--", "-cough").code == 0
    assert "after --" not in medref("show", "colostrum", "-cough").err


def test_export_out_dash_is_stdout(medref: Callable[..., Proc], tmp_path: Path) -> None:
    run = subprocess.run(
        [str(MEDREF), "export", "colostrum", "--out", "-"],
        capture_output=True, text=True, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert run.returncode == 0 and json.loads(run.stdout)["id"] == "colostrum"
    assert not (tmp_path / "-").exists()


def test_faq_short_words_match_whole_words(medref: Callable[..., Proc]) -> None:
    """As in search, "w" is a word of its own, not every word that starts with w."""
    every = medref("faq", "colostrum", "--json").json()["faqs"]
    assert medref("faq", "colostrum", "w", "--json").json()["faqs"] == []
    kept = medref("faq", "colostrum", "--json", "--", "-c").json()["faqs"]
    assert kept == every  # no question has the word "c"


def test_index_wraps_paths_after_a_slash(medref: Callable[..., Proc], tmp_path: Path) -> None:
    corpus = tmp_path / "a-rather-long-folder-name" / "monographs-of-mine"
    write(corpus, "zinctonic.md", monograph_text("Zinc Tonic"))
    out = medref("--corpus", str(corpus), "index", env={"COLUMNS": "40"}).out
    assert max(len(line) for line in out.splitlines()) <= 40
    assert "a-rather-long-folder-name/" in out and "monographs-of-mine" in out
