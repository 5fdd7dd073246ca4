"""A corpus's README, LICENSE, CHANGELOG and CONTRIBUTING files and node_modules folders are
not monographs (issue #17), unless a file is written as one; `medref index` says so."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import Proc, monograph_text, write

PROJECT_REASON = "a README, LICENSE, CHANGELOG or CONTRIBUTING file, not a monograph"


def _corpus(root: Path) -> Path:
    corpus = root / "notes"
    write(corpus, "README.md", "# My notes\n\nHow this folder is kept.\n\n## Usage\nOpen a file.\n")
    write(corpus, "license.MD", "MIT licence text.\n")
    write(corpus, "CHANGELOG.en.md", monograph_text("Changes", "## 2024\n- first entry\n"))
    write(corpus, "Contributing.md", monograph_text("How to help", "## Usage\nSend notes.\n"))
    write(corpus, "sub/readme.md", monograph_text("Readme Tonic"))
    write(corpus, "node_modules/pkg/README.md", "# pkg\n## Usage\nInstall it.\n")
    write(corpus, "node_modules/pkg/licorice.md", monograph_text("Licorice Root"))
    write(corpus, "zinctonic.md", monograph_text("Zinc Tonic"))
    return corpus


def test_project_files_and_node_modules_are_not_monographs(
    tmp_path: Path, medref: Callable[..., Proc]
) -> None:
    corpus = _corpus(tmp_path)
    listed = medref("--corpus", str(corpus), "list", "--json")
    assert listed.code == 0, listed.err
    mine = {m["id"]: m["title"] for m in listed.json() if m["source"].startswith(str(corpus))}
    # Written as a monograph (a title and a recognised section): read, under its own stem,
    # and the skipped README.md does not take that stem from it.
    assert mine == {
        "contributing": "How to help",
        "readme": "Readme Tonic",
        "zinctonic": "Zinc Tonic",
    }
    assert medref("--corpus", str(corpus), "search", "licorice", "--json").json()["total"] == 0
    assert medref("--corpus", str(corpus), "show", "changes").code == 1

    info = medref("--corpus", str(corpus), "index", "--json")
    assert info.code == 0, info.err
    skipped = {
        (Path(s["source"]).relative_to(corpus).as_posix(), s["reason"])
        for s in info.json()["skipped"]
    }
    assert skipped == {
        ("README.md", PROJECT_REASON),
        ("license.MD", PROJECT_REASON),
        ("CHANGELOG.en.md", PROJECT_REASON),
        ("node_modules", "a node_modules folder, not read"),
    }
    assert info.json()["unreadable"] == 0 and info.json()["overridden"] == []

    text = medref("--corpus", str(corpus), "index", env={"COLUMNS": "200"})
    assert "skipped" in text.out
    assert f"3 ({PROJECT_REASON})" in text.out
    assert "1 (a node_modules folder, not read)" in text.out


def test_a_project_file_rewritten_as_a_monograph_is_read(
    tmp_path: Path, medref: Callable[..., Proc]
) -> None:
    corpus = _corpus(tmp_path)
    assert medref("--corpus", str(corpus), "show", "changes").code == 1
    write(corpus, "CHANGELOG.en.md", monograph_text("Changes", "## Dosage\nOne a day.\n"))
    shown = medref("--corpus", str(corpus), "show", "changes", "--json")
    assert shown.code == 0, shown.err
    assert [s["key"] for s in shown.json()["sections"]] == ["dosage"]
    info = medref("--corpus", str(corpus), "index", "--json").json()
    assert "CHANGELOG.en.md" not in {Path(s["source"]).name for s in info["skipped"]}


def test_a_monograph_edited_into_a_project_file_gives_its_id_back(
    tmp_path: Path, medref: Callable[..., Proc]
) -> None:
    corpus = tmp_path / "notes"
    readme = write(corpus, "README.md", monograph_text("Top Readme"))
    write(corpus, "sub/readme.md", monograph_text("Readme Tonic"))
    assert medref("--corpus", str(corpus), "show", "readme", "--json").json()["title"] == (
        "Top Readme"
    )
    readme.write_text("# Just a readme\n\nNothing to see.\n", encoding="utf-8")  # in place
    shown = medref("--corpus", str(corpus), "show", "readme", "--json")
    assert shown.code == 0, shown.err
    assert shown.json()["title"] == "Readme Tonic"


def test_validate_skips_what_the_index_skips(tmp_path: Path, medref: Callable[..., Proc]) -> None:
    corpus = _corpus(tmp_path)
    found = medref("validate", str(corpus), "--json")
    files = {Path(f["file"]).relative_to(corpus).as_posix() for f in found.json()}
    assert files and not files & {"README.md", "license.MD", "CHANGELOG.en.md"}
    assert not any(f.startswith("node_modules") for f in files)
    named = medref("validate", str(corpus / "README.md"), "--json").json()
    assert [(f["level"], f["code"]) for f in named] == [("warning", "not-a-monograph")]
