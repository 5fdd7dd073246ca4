"""Freshness without a stat() per file: folder times, shown files, and the full recheck.

Between full checks (MEDREF_RECHECK seconds, 30 by default) a command stats only the
corpus folders, re-reads the folders that changed, and checks the files it shows.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import medref.index as index_mod
import medref.index.scan as scan_mod
from conftest import Run, monograph_text, write
from medref.corpus import RACY_NS, Corpus, discover
from medref.index import open_index, with_index

Site = tuple[Path, list[Corpus]]


def settle() -> None:
    """Wait until folder times are old enough to be trusted (see corpus.RACY_NS)."""
    time.sleep(RACY_NS / 1e9 + 0.05)


def make_corpus(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    write(root, "a/alphamine.md", monograph_text("Alphamine", "### Usage\nAlpha text.\n"))
    write(root, "b/betazole.md", monograph_text("Betazole", "### Usage\nBeta text.\n"))
    write(root, "c/cetrizol.md", monograph_text("Cetrizol", "### Usage\nCeta text.\n"))
    return root


def edit_in_place(path: Path, text: str) -> None:
    """Rewrite a file through its open inode, as some editors do: its folder stays as it was."""
    with open(path, "r+", encoding="utf-8") as fh:
        fh.write(text)
        fh.truncate()


@pytest.fixture
def site(tmp_path: Path) -> Site:
    root = make_corpus(tmp_path)
    corpora = discover([root])[0]
    open_index(corpora)
    settle()
    assert open_index(corpora).trusting  # a second run checks folders only
    return root, corpora


def test_nothing_changed_reads_no_folder_and_parses_nothing(site: Site) -> None:
    _root, corpora = site
    ix = open_index(corpora)
    assert ix.trusting and ix.report.parsed == 0 and ix.report.removed == 0


def test_added_removed_and_renamed_files_are_seen_at_once(site: Site) -> None:
    root, corpora = site
    write(root, "d/deltamide.md", monograph_text("Deltamide"))  # a new folder, too
    (root / "a" / "alphamine.md").unlink()
    (root / "b" / "betazole.md").rename(root / "b" / "betazol.md")
    ix = open_index(corpora)
    ids = [row["id"] for row in ix.summaries()]
    assert "deltamide" in ids and "betazol" in ids
    assert "alphamine" not in ids and "betazole" not in ids
    assert ix.report.parsed == 2 and ix.report.removed == 2


def test_a_file_replaced_by_an_editor_is_reparsed_alone(site: Site) -> None:
    root, corpora = site
    tmp = root / "b" / ".betazole.md.swp"
    tmp.write_text(monograph_text("Betazole", "### Usage\nSaved by an editor.\n"))
    os.replace(tmp, root / "b" / "betazole.md")
    ix = open_index(corpora)
    assert ix.report.parsed == 1
    assert "Saved by an editor" in ix.get("betazole").sections[0].text


def test_edits_alone_are_applied_without_walking_the_corpus(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, corpora = site

    def no_walk(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("walked the corpus")

    monkeypatch.setattr(scan_mod, "walk", no_walk)
    tmp = root / "c" / ".cetrizol.md.swp"
    tmp.write_text(monograph_text("Cetrizol", "### Usage\nSaved again.\n"))
    os.replace(tmp, root / "c" / "cetrizol.md")
    edit_in_place(
        root / "a" / "alphamine.md", monograph_text("Alphamine", "### Usage\nIn place.\n")
    )
    ix = open_index(corpora)  # the folder of cetrizol changed: only it is read
    assert ix.report.parsed == 1 and ix.trusting
    assert ix.get("cetrizol").sections[0].text == "Saved again."
    mono = with_index(corpora, lambda i: i.get("alphamine"))  # shown, so checked
    assert mono.sections[0].text == "In place."


def test_removed_folder_is_seen_at_once(site: Site) -> None:
    root, corpora = site
    (root / "c" / "cetrizol.md").unlink()
    (root / "c").rmdir()
    ix = open_index(corpora)
    assert "cetrizol" not in [row["id"] for row in ix.summaries()]


def test_a_shown_file_edited_in_place_is_read_again(site: Site) -> None:
    root, corpora = site
    edit_in_place(root / "b" / "betazole.md", monograph_text("Betazole", "### Usage\nNew.\n"))
    mono = with_index(corpora, lambda ix: ix.get("betazole"))
    assert mono.sections[0].text == "New."


def test_search_checks_the_files_of_its_hits(site: Site, run: Callable[..., Run]) -> None:
    root, _corpora = site
    edit_in_place(root / "a" / "alphamine.md", monograph_text("Alphamine", "### Usage\nZorblat.\n"))
    result = run("--corpus", str(root), "search", "alphamine", "--json")
    assert result.code == 0
    assert "Zorblat" in result.json()["results"][0]["snippet"]


def test_in_place_edits_elsewhere_wait_for_the_full_check(
    site: Site,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root, corpora = site
    edit_in_place(root / "c" / "cetrizol.md", monograph_text("Cetrizol Forte"))

    def title() -> str:
        return str(
            next(r["title"] for r in open_index(corpora).summaries() if r["id"] == "cetrizol")
        )

    assert title() == "Cetrizol"  # the documented trade-off: not seen by `list` yet...
    monkeypatch.setenv("MEDREF_RECHECK", "0")
    assert title() == "Cetrizol Forte"  # ...until the next full check


def test_index_command_checks_every_file(site: Site, run: Callable[..., Run]) -> None:
    root, corpora = site
    edit_in_place(root / "c" / "cetrizol.md", monograph_text("Cetrizol Forte"))
    assert run("--corpus", str(root), "index").code == 0
    titles = [r["title"] for r in open_index(corpora).summaries()]
    assert "Cetrizol Forte" in titles


def test_full_check_runs_again_once_the_window_has_passed(
    site: Site,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _root, corpora = site
    monkeypatch.setenv("MEDREF_RECHECK", "1")
    open_index(corpora)  # a full check now, if the last one was over a second ago
    assert open_index(corpora).trusting
    time.sleep(1.1)
    assert not open_index(corpora).trusting  # stat()ed every file
    assert open_index(corpora).trusting  # and trusts folder times again


@pytest.mark.parametrize("value", ["soon", "-1", "nan", "inf"])
def test_bad_recheck_setting_is_a_usage_error(
    site: Site,
    run: Callable[..., Run],
    value: str,
) -> None:
    root, _corpora = site
    result = run("--corpus", str(root), "list", env={"MEDREF_RECHECK": value})
    assert result.code == 2
    assert "MEDREF_RECHECK" in result.err and "Traceback" not in result.err
    assert len(result.err.strip().splitlines()) <= 2


# -- found in review: files and folders reachable by two paths ------------------------------


def _ids(corpora: list[Corpus]) -> dict[str, str]:
    return {r["id"]: r["source"] for r in open_index(corpora).summaries() if "site" in r["source"]}


def test_a_file_reached_through_a_removed_link_is_still_found_by_its_other_path(
    tmp_path: Path,
) -> None:
    root = tmp_path / "site"
    write(root, "q1/real/x.md", monograph_text("Xamine"))
    (root / "p1").mkdir()
    (root / "p1" / "link").symlink_to(root / "q1" / "real")
    corpora = discover([root])[0]
    open_index(corpora)
    settle()
    (root / "p1" / "link").unlink()
    assert _ids(corpora) == {"x": str(root / "q1" / "real" / "x.md")}


def test_nested_corpora_keep_their_ids_when_an_unrelated_file_is_added(tmp_path: Path) -> None:
    a = tmp_path / "site" / "a"
    write(a, "sub/x.md", monograph_text("X in sub"))
    write(a, "z/x.md", monograph_text("X in z"))
    corpora = discover([a, a / "sub"])[0]
    before = _ids(corpora)
    settle()
    write(a, "other/new.md", monograph_text("Newamine"))
    after = _ids(corpora)
    assert after == {**before, "new": str(a / "other" / "new.md")}
    assert after == _ids(discover([a, a / "sub"])[0]) == before | {"new": after["new"]}


def test_a_save_that_makes_a_file_a_hard_link_of_another_is_indexed_once(tmp_path: Path) -> None:
    root = tmp_path / "site"
    write(root, "a.md", monograph_text("Aamine"))
    write(root, "d/b.md", monograph_text("Bamine"))
    corpora = discover([root])[0]
    open_index(corpora)
    settle()
    (root / "a.md").unlink()
    os.link(root / "d" / "b.md", root / "a.md")
    assert len(_ids(corpora)) == 1


def test_whole_second_folder_times_stay_untrusted_for_two_seconds() -> None:
    from medref.corpus import folder_stamp

    def Stat(t_ns: int) -> os.stat_result:
        # (mode, ino, dev, nlink, uid, gid, size, atime, mtime, ctime), then the ns times.
        fields = (0, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0.0, 0.0, 0.0, t_ns, t_ns, t_ns)
        return os.stat_result(fields)

    now = 1_000 * 10**9
    assert folder_stamp(Stat(now - 10**9), now) == ""  # whole seconds, 1 s ago: racy
    assert folder_stamp(Stat(now - 10**9 + 1), now) != ""  # finer times, 1 s ago: trusted
    assert folder_stamp(Stat(now - 2 * 10**9), now) == ""  # whole seconds, 2 s ago: racy
    assert folder_stamp(Stat(now - 3 * 10**9), now) != ""


def test_an_action_reads_one_consistent_index(site: Site) -> None:
    _root, corpora = site
    assert with_index(corpora, lambda ix: ix.conn.in_transaction) is True


# -- lookups leave other files' edits to the commands that need them -------------------------


def _save(path: Path, text: str) -> None:
    """Save as most editors do: a new file renamed over the old one."""
    tmp = path.with_name("." + path.name + ".swp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _stored_stamp(ix: index_mod.Index, path: Path) -> str:
    return str(ix.conn.execute("SELECT stamp FROM docs WHERE path=?", (str(path),)).fetchone()[0])


def test_a_lookup_by_id_leaves_other_edits_for_later(site: Site) -> None:
    root, corpora = site
    beta = root / "b" / "betazole.md"
    before = _stored_stamp(open_index(corpora), beta)
    _save(beta, monograph_text("Betazole", "### Usage\nQuokka now.\n"))
    mono = with_index(corpora, lambda ix: ix.get("alphamine"), lookup=True)
    assert mono.title == "Alphamine"
    assert _stored_stamp(open_index(corpora, defer=True), beta) == before  # not parsed yet
    hits = with_index(
        corpora, lambda ix: ix.conn.execute("SELECT 1 FROM fts WHERE fts MATCH 'quokka'").fetchall()
    )
    assert hits  # a command that reads every monograph applied the edit first


def test_a_lookup_of_the_edited_file_or_of_a_name_it_adds_sees_the_edit(site: Site) -> None:
    root, corpora = site
    _save(root / "b" / "betazole.md", monograph_text("Betazole", "### Usage\nNew.\n"))
    mono = with_index(corpora, lambda ix: ix.get("betazole"), lookup=True)
    assert mono.sections[0].text == "New."
    _save(root / "c" / "cetrizol.md", monograph_text("Cetrizol", aliases=["Zedrin"]))
    mono = with_index(corpora, lambda ix: ix.get("Zedrin"), lookup=True)
    assert mono.id == "cetrizol"
