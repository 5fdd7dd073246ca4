"""The command line, through Typer's CliRunner, plus real runs of the installed `medref`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import FIXTURES, Proc, Run, monograph_text, write
from medref import __version__
from medref.models import CANONICAL_KEYS

R = Callable[..., Run]


def test_show_json_has_seven_sections_in_order_and_five_faqs(run: R) -> None:
    r = run("show", "colostrum", "--json")
    assert r.code == 0
    data = r.json()
    assert set(data) >= {"id", "title", "aliases", "source", "sections", "faqs"}
    assert [s["key"] for s in data["sections"]] == list(CANONICAL_KEYS)
    assert all(set(s) >= {"key", "heading", "markdown", "text"} for s in data["sections"])
    assert len(data["faqs"]) == 5
    assert all(set(f) == {"question", "answer"} for f in data["faqs"])
    assert "**" not in data["sections"][6]["text"]


def test_show_renders_title_sections_and_footer(run: R) -> None:
    r = run("show", "colostrum")
    assert r.code == 0
    assert r.out.startswith("Colostrum")
    for heading in ("Generic Name", "Usage", "Dosage", "Side Effects", "Precautions", "FAQs"):
        assert f"\n{heading}\n" in r.out
    assert "not medical advice" in r.out
    assert "\x1b[" not in r.out  # not a terminal: plain text
    assert "**" not in r.out  # markup rendered, not shown


def test_show_sections_with_synonyms(run: R) -> None:
    r = run("show", "colostrum", "-s", "dose", "-s", "adverse", "--json")
    assert [s["key"] for s in r.json()["sections"]] == ["dosage", "side-effects"]
    assert r.json()["faqs"] == []
    r = run("show", "colostrum", "-s", "faq", "--json")
    assert len(r.json()["faqs"]) == 5
    for word, key in [
        ("uses", "usage"),
        ("indications", "usage"),
        ("mechanism", "how-it-works"),
        ("warnings", "precautions"),
        ("side-effects", "side-effects"),
    ]:
        assert [
            s["key"] for s in run("show", "colostrum", "-s", word, "--json").json()["sections"]
        ] == [key]


def test_show_raw_prints_original_markdown(run: R) -> None:
    r = run("show", "colostrum", "-s", "dosage", "--raw")
    assert r.out.startswith("### Dosage\n")
    assert "**Neonates:**" in r.out


def test_show_unknown_section_is_a_usage_error(run: R) -> None:
    r = run("show", "colostrum", "-s", "banana")
    assert r.code == 2 and "unknown section" in r.err


def test_show_missing_section_of_a_known_kind_is_not_found(run: R, tmp_path: Path) -> None:
    write(tmp_path / "c", "p.md", "# Prose\n\nOnly prose.\n")
    r = run("--corpus", str(tmp_path / "c"), "show", "p", "-s", "dosage")
    assert r.code == 1 and "no 'dosage' section" in r.err


def test_show_finds_by_alias_and_title(run: R) -> None:
    assert run("show", "tylenol", "--json").json()["id"] == "acetaminophen"
    assert run("show", "paracetamol", "--json").json()["id"] == "acetaminophen"
    r = run("show", "Amoxicillin + Clavulanic Acid", "--json")
    assert r.json()["id"] == "amoxicillin-clavulanic-acid"


def test_miss_exits_1_with_suggestions(run: R) -> None:
    r = run("show", "colostrom")
    assert r.code == 1
    assert r.err.count("\n") == 1 and "did you mean 'colostrum'" in r.err
    r = run("show", "colostrom", "--json")
    err = r.err_json()["error"]
    assert err["code"] == "not-found" and err["suggestions"][0] == "colostrum"
    assert r.out == ""


def test_faq_lists_and_filters(run: R) -> None:
    r = run("faq", "colostrum", "--json")
    assert r.code == 0 and len(r.json()["faqs"]) == 5 and r.json()["id"] == "colostrum"
    r = run("faq", "colostrum", "MILK", "--json")
    assert [f["question"] for f in r.json()["faqs"]] == [
        "Can I use colostrum if I have a milk allergy?"
    ]
    r = run("faq", "colostrum")
    assert "1. Is colostrum safe for infants?" in r.out
    assert run("faq", "colostrum", "zebra").code == 1


def test_list_json_has_every_monograph(run: R) -> None:
    rows = run("list", "--json").json()
    assert len(rows) >= 61
    assert all(set(r) == {"id", "title", "aliases", "sections", "source"} for r in rows)
    colostrum = next(r for r in rows if r["id"] == "colostrum")
    assert colostrum["sections"] == list(CANONICAL_KEYS)


def test_list_json_is_written_as_json_dumps_would_and_follows_id_changes(
    run: R, tmp_path: Path
) -> None:
    root = tmp_path / "site"
    write(root, "b/dup.md", monograph_text("Dup Bee", aliases=['Bé "quoted"']))
    first = run("--corpus", str(root), "list", "--json")
    assert first.out == json.dumps(first.json(), ensure_ascii=False) + "\n"
    write(root, "a/dup.md", monograph_text("Dup Aye"))  # sorts first: takes the id "dup"
    rows = {r["title"]: r for r in run("--corpus", str(root), "list", "--json").json()}
    assert rows["Dup Aye"]["id"] == "dup" and rows["Dup Bee"]["id"] == "dup-2"
    assert rows["Dup Bee"]["aliases"] == ['Bé "quoted"']
    assert rows["Dup Bee"]["source"] == str(root / "b" / "dup.md")


def test_list_plain_is_tab_separated(run: R) -> None:
    lines = run("list").out.splitlines()
    assert any(line.startswith("colostrum\tColostrum\t") for line in lines)


def test_search_plain_and_json(run: R) -> None:
    r = run("search", '"milk allergy"')
    assert r.code == 0 and r.out.startswith("1. Colostrum (colostrum)")
    data = run("search", "ibuprofin", "--json").json()
    assert data["corrected_query"] == "ibuprofen"
    assert data["results"][0]["id"] == "ibuprofen"
    assert set(data) == {"query", "corrected_query", "total", "results"}
    assert set(data["results"][0]) == {"id", "title", "section", "heading", "snippet", "score"}
    assert "showing results for 'ibuprofen'" in run("search", "ibuprofin").out


def test_search_without_results_exits_1(run: R) -> None:
    r = run("search", "qwxzptl")
    assert r.code == 1 and "no results" in r.err
    r = run("search", "qwxzptl", "--json")
    assert r.code == 1 and r.json()["total"] == 0


@pytest.mark.parametrize(
    "command", [["search", "allergy", "--", "-milk"], ["search", "allergy -milk"]]
)
def test_search_exclusion_after_double_dash_or_in_the_query(run: R, command: list[str]) -> None:
    everything = {
        h["id"] for h in run("search", "allergy", "--json", "-n", "500").json()["results"]
    }
    r = run(*command[:1], "--json", "-n", "500", *command[1:])
    assert r.code == 0
    kept = {h["id"] for h in r.json()["results"]}
    assert "colostrum" in everything and "colostrum" not in kept and kept < everything


def test_unquoted_exclusion_is_a_usage_error_never_a_silent_option(run: R) -> None:
    r = run("search", "allergy", "-milk")
    assert r.code == 2 and "No such option: -m" in r.err


def test_search_section_option(run: R) -> None:
    r = run("search", "allergy", "--section", "adverse", "--json", "--limit", "50")
    assert {h["section"] for h in r.json()["results"]} == {"side-effects"}


def test_index_and_paths(run: R, tmp_path: Path) -> None:
    r = run("index", "--json")
    info = r.json()
    assert info["monographs"] >= 61 and info["built"]
    assert Path(info["path"]).parent == Path(os.environ["MEDREF_CACHE_DIR"])
    r = run("index")
    assert "cache" in r.out and "bundled" in r.out
    r = run("index", "--rebuild", "--json")
    assert r.json()["built"] >= info["built"]
    r = run("--corpus", str(FIXTURES / "search"), "paths")
    lines = r.out.splitlines()
    assert lines[0].endswith("\t--corpus") and lines[-1].endswith("\tbundled")


def test_corpus_must_be_a_directory(run: R, tmp_path: Path) -> None:
    r = run("--corpus", str(tmp_path / "nope"), "list")
    assert r.code == 2 and "not a directory" in r.err


def test_a_few_thousand_files_in_letter_folders_all_list_and_show(run: R, tmp_path: Path) -> None:
    root = tmp_path / "site"
    variants = sorted((FIXTURES / "variants").glob("*.md"))
    for i in range(2000):
        src = variants[i % len(variants)]
        name = f"{src.stem}-{i}"
        write(root, f"{name[0]}/{name}.md", src.read_text())
    rows = run("--corpus", str(root), "list", "--json").json()
    ids = {r["id"] for r in rows}
    assert {
        f"{v.stem}-{i}" for i, v in ((i, variants[i % len(variants)]) for i in range(2000))
    } <= ids
    for i in range(0, 2000, 97):
        mono_id = f"{variants[i % len(variants)].stem}-{i}"
        r = run("--corpus", str(root), "show", mono_id, "--json")
        assert r.code == 0 and r.json()["id"] == mono_id


def test_version_and_bare_command(run: R) -> None:
    assert run("--version").out.strip() == f"medref {__version__}"
    r = run()
    assert r.code == 0
    assert "medref show" in r.out and "medref search" in r.out and "medref faq" in r.out


def test_missing_name_is_a_usage_error_not_a_prompt(run: R) -> None:
    r = run("show", input="colostrum\n")
    assert r.code == 2


def test_user_corpus_override_wins(run: R, tmp_path: Path) -> None:
    write(tmp_path / "mine", "colostrum.md", monograph_text("Colostrum", "### Usage\nMine.\n"))
    r = run("--corpus", str(tmp_path / "mine"), "show", "colostrum", "--json")
    assert r.json()["sections"][0]["text"] == "Mine."


@pytest.mark.skipif(shutil.which("medref") is None, reason="medref is not installed on PATH")
def test_installed_medref_runs_as_a_subprocess(tmp_path: Path) -> None:
    env = dict(os.environ)
    out = subprocess.run(
        ["medref", "show", "colostrum", "--json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["id"] == "colostrum"
    mod = subprocess.run(
        [sys.executable, "-m", "medref", "--version"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert mod.stdout.strip() == f"medref {__version__}"


def test_compare_json_and_columns(run: R) -> None:
    r = run("compare", "ibuprofen", "acetaminophen", "--json")
    data = r.json()
    # Ibuprofen's prescription label has a boxed warning: a comparison never leaves it out.
    assert data["sections"] == ["boxed-warning", "dosage", "side-effects", "precautions"]
    assert [m["id"] for m in data["monographs"]] == ["ibuprofen", "acetaminophen"]
    ibuprofen, acetaminophen = ([s["key"] for s in m["sections"]] for m in data["monographs"])
    assert ibuprofen == data["sections"] and acetaminophen == data["sections"][1:]
    plain = run("compare", "acetaminophen", "colostrum", "--json").json()
    assert plain["sections"] == ["dosage", "side-effects", "precautions"]
    wide = run("compare", "ibuprofen", "acetaminophen", "-s", "dose", env={"COLUMNS": "100"})
    first = wide.out.splitlines()[1]
    assert "Ibuprofen" in first and "Acetaminophen" in first  # side by side
    narrow = run("compare", "ibuprofen", "acetaminophen", "-s", "dose", env={"COLUMNS": "50"})
    titles = [
        i
        for i, line in enumerate(narrow.out.splitlines())
        if line.startswith(("Ibuprofen", "Acetaminophen"))
    ]
    assert len(titles) == 2 and titles[1] > titles[0] + 5  # stacked


def test_compare_needs_two_and_known_sections(run: R) -> None:
    assert run("compare", "ibuprofen").code == 2
    assert run("compare", "ibuprofen", "naproxen", "-s", "banana").code == 2
    assert run("compare", "ibuprofen", "nosuchthing").code == 1


def test_export_formats(run: R, tmp_path: Path) -> None:
    lines = run("export").out.splitlines()
    rows = [json.loads(line) for line in lines]
    assert len(rows) == len(run("list", "--json").json())
    assert rows[0] == run("show", rows[0]["id"], "--json").json()
    both = run("export", "colostrum", "tylenol", "--format", "json").json()
    assert [m["id"] for m in both] == ["colostrum", "acetaminophen"]
    md = run("export", "colostrum", "--format", "md").out
    assert md == (Path(__file__).parent.parent / "monographs" / "colostrum.md").read_text()
    target = tmp_path / "out.jsonl"
    r = run("export", "colostrum", "--out", str(target))
    assert r.code == 0 and r.out == ""
    assert json.loads(target.read_text())["id"] == "colostrum"
    bad = run("export", "--out", str(tmp_path / "missing" / "x.jsonl"))
    assert bad.code == 4 and "cannot write" in bad.err


def test_every_command_has_help_with_an_example(run: R) -> None:
    for command in (
        "show",
        "faq",
        "list",
        "search",
        "compare",
        "export",
        "index",
        "paths",
        "validate",
    ):
        r = run(command, "--help")
        assert r.code == 0 and "Example:" in r.out, command


def test_progress_bar_only_for_slow_builds_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    import medref.output as output

    monkeypatch.setattr(output, "_isatty", lambda stream: True)
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    quick = output.BuildProgress()
    quick(1, 100)  # less than a second in: nothing shown
    assert quick.bar is None
    slow = output.BuildProgress()
    slow.start -= 5
    slow(10, 100)
    assert slow.bar is not None
    slow(100, 100)
    slow.close()
    assert "indexing monographs" in err.getvalue()
    monkeypatch.setattr(output, "_isatty", lambda stream: False)
    piped = output.BuildProgress()
    piped.start -= 5
    piped(10, 100)
    assert piped.bar is None


def test_mistyped_search_options_are_usage_errors(run: R) -> None:
    r = run("search", "allergy", "--limt", "2")
    assert r.code == 2 and "--limt" in r.err


@pytest.mark.parametrize(
    "argv,message",
    [
        (["show", "--json"], "Missing argument"),
        (["show", "colostrum", "--json", "--bogus"], "No such option: --bogus"),
        (["search", "allergy", "--limit", "0", "--json"], "--limit"),
        (["--json", "list"], "No such option: --json"),
    ],
)
def test_command_line_errors_with_json_are_json(argv: list[str], message: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "medref", *argv], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    error = json.loads(proc.stderr)["error"]
    assert error["code"] == "usage"
    assert message in error["message"]


def test_command_line_errors_without_json_keep_the_usage_text() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "medref", "show", "colostrum", "--bogus"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("Usage: medref show")
    assert "No such option: --bogus" in proc.stderr


def test_a_known_kind_of_extra_section_that_is_missing_is_not_found(run: R) -> None:
    r = run("show", "colostrum", "-s", "disclaimer")
    assert r.code == 1
    assert "colostrum has no 'disclaimer' section" in r.err
    assert run("show", "colostrum", "-s", "banana").code == 2  # names no section at all


def test_compare_and_export_take_each_monograph_once(run: R) -> None:
    same = run("compare", "ibuprofen", "advil")
    assert same.code == 2 and "both name ibuprofen" in same.err
    r = run("compare", "ibuprofen", "advil", "naproxen", "--json")
    assert [m["id"] for m in r.json()["monographs"]] == ["ibuprofen", "naproxen"]
    lines = run("export", "ibuprofen", "advil", "ibuprofen").out.splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["ibuprofen"]


def test_a_search_of_only_exclusions_is_a_usage_error(run: R) -> None:
    r = run("search", "--json", "--", "-milk")
    assert r.code == 2
    assert r.err_json()["error"]["code"] == "usage"


def test_validate_counts_in_the_singular_and_reports_a_bad_date(run: R, tmp_path: Path) -> None:
    body = "".join(f"### {h}\nx\n" for h in ("Usage", "Dosage", "Side Effects", "Precautions"))
    write(tmp_path, "one.md", "---\ntitle: One\nreviewed: 2025-02-30\n---\n" + body)
    write(tmp_path, "one.md", (tmp_path / "one.md").read_text() + "### FAQs\n* **Q?** A.\n")
    r = run("validate", str(tmp_path / "one.md"))
    assert "[reviewed-date]" in r.err or "[reviewed-date]" in r.out
    assert r.err.splitlines()[-1] == "1 error, 3 warnings"


@pytest.mark.parametrize("words", [["allergic"], ['"milk allergy"'], ["milks"], ["allerg*"]])
def test_faq_filter_reads_words_like_search(run: R, words: list[str]) -> None:
    r = run("faq", "colostrum", *words, "--json")
    assert [f["question"] for f in r.json()["faqs"]] == [
        "Can I use colostrum if I have a milk allergy?"
    ]


def test_faq_filter_excludes_and_matches_at_word_starts() -> None:
    from medref.models import Faq
    from medref.sections import filter_faqs

    faqs = (Faq("Milk or soy?", "Both are fine."), Faq("Buttermilk?", "No."))
    assert [f.question for f in filter_faqs(faqs, "milk")] == ["Milk or soy?"]
    assert [f.question for f in filter_faqs(faqs, "fine -soy")] == []


def test_a_start_builds_only_the_command_it_runs(run: R, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each command is made into a Click command when it runs (cli.Commands), so a lookup
    does not pay for building the other ten; help still lists every one."""
    from medref import cli

    built: list[str] = []
    for name, make in list(cli.COMMANDS.items()):

        def counted(make: Callable[[], object] = make, name: str = name) -> object:
            built.append(name)
            return make()

        monkeypatch.setitem(cli.COMMANDS, name, counted)
    assert run("show", "colostrum", "--json").code == 0
    assert built == ["show"]
    built.clear()
    listed = run("--help").out
    assert set(built) == set(cli.COMMANDS) and all(f"  {name} " in listed for name in built)


def test_show_raw_with_json_is_a_usage_error(medref: Callable[..., Proc]) -> None:
    """--raw used to be ignored beside --json, silently: say so instead."""
    both = medref("show", "colostrum", "--json", "--raw")
    assert both.code == 2 and both.out == ""
    assert json.loads(both.err)["error"]["code"] == "usage"
    assert "--raw and --json" in json.loads(both.err)["error"]["message"]
