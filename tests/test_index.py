"""The index cache: first build, freshness, incremental refresh, ids and precedence."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

import medref.index.build as build_mod
import medref.index.schema as schema_mod
from conftest import MEDREF, monograph_text, write
from medref.corpus import Corpus, assign_ids, bundled_dir, discover, scan
from medref.errors import NotFound, UsageError
from medref.index import index_path, open_index
from synthetic import generate


def user_corpus(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    write(root, "a/alphamine.md", monograph_text("Alphamine", aliases=["Alphax"]))
    write(root, "b/betazole.md", monograph_text("Betazole"))
    write(root, "c/colostrum.md", monograph_text("Colostrum", "### Usage\nUser override.\n"))
    return root


def corpora_for(root: Path) -> list[Corpus]:
    return discover([root])[0]


@pytest.mark.cold_cache
def test_first_run_builds_a_cache_file_and_later_runs_parse_nothing(
    tmp_path: Path, isolated: Path
) -> None:
    corpora = discover([])[0]
    first = open_index(corpora)
    assert first.path is not None and first.path.parent == isolated
    assert first.report.full and first.report.parsed == len(scan(corpora)[0])
    second = open_index(corpora)
    assert second.report.parsed == 0 and not second.report.full
    assert second.get("colostrum").title == "Colostrum"


def test_refresh_reparses_only_changed_files(tmp_path: Path) -> None:
    root = user_corpus(tmp_path)
    corpora = corpora_for(root)
    open_index(corpora)
    target = root / "b" / "betazole.md"
    target.write_text(monograph_text("Betazole", "### Usage\nEdited text about zorblat.\n"))
    ix = open_index(corpora)
    assert ix.report.parsed == 1
    assert "zorblat" in ix.get("betazole").sections[0].text


def test_added_and_removed_files_are_noticed(tmp_path: Path) -> None:
    root = user_corpus(tmp_path)
    corpora = corpora_for(root)
    open_index(corpora)
    write(root, "d/deltamide.md", monograph_text("Deltamide"))
    (root / "a" / "alphamine.md").unlink()
    ix = open_index(corpora)
    assert ix.report.parsed == 1 and ix.report.removed == 1
    assert ix.get("deltamide").title == "Deltamide"
    with pytest.raises(NotFound):
        ix.get("alphamine")
    with pytest.raises(NotFound):
        ix.get("alphax")  # its alias went with it


def test_new_medref_version_rebuilds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpora = discover([])[0]
    open_index(corpora)
    monkeypatch.setattr(schema_mod, "__version__", "999.0")
    monkeypatch.setattr(build_mod, "__version__", "999.0")
    ix = open_index(corpora)
    assert ix.report.full
    assert ix.info()["medref_version"] == "999.0"


def test_user_monograph_overrides_bundled_one(tmp_path: Path) -> None:
    root = user_corpus(tmp_path)
    ix = open_index(corpora_for(root))
    mono = ix.get("colostrum")
    assert mono.sections[0].text == "User override."
    assert mono.source == str(root / "c" / "colostrum.md")
    overridden = ix.info()["overridden"]
    assert [o["id"] for o in overridden] == ["colostrum"]
    assert overridden[0]["source"].startswith(str(bundled_dir()))


def test_same_stem_in_two_folders_stays_reachable(tmp_path: Path) -> None:
    root = tmp_path / "site"
    write(root, "a/dup.md", monograph_text("Dup One"))
    write(root, "b/dup.md", monograph_text("Dup Two"))
    ix = open_index(corpora_for(root))
    assert ix.get("dup").title == "Dup One"
    assert ix.get("dup-2").title == "Dup Two"
    assert ix.get("Dup Two").id == "dup-2"
    assert [r["id"] for r in ix.info()["renamed"]] == ["dup-2"]


def test_lookup_by_id_title_alias_ignoring_case_and_punctuation(tmp_path: Path) -> None:
    root = tmp_path / "site"
    write(
        root,
        "amoxicillin-clavulanic-acid.md",
        monograph_text("Amoxicillin + Clavulanic Acid", aliases=["Co-amoxiclav"]),
    )
    ix = open_index(corpora_for(root))
    for name in (
        "amoxicillin-clavulanic-acid",
        "Amoxicillin + Clavulanic Acid",
        "AMOXICILLIN CLAVULANIC ACID",
        "co amoxiclav",
        "Co-Amoxiclav!",
    ):
        assert ix.get(name).id == "amoxicillin-clavulanic-acid", name


def test_miss_suggests_close_names(tmp_path: Path) -> None:
    ix = open_index(discover([])[0])
    with pytest.raises(NotFound) as err:
        ix.get("colostrom")
    assert err.value.suggestions[0] == "colostrum"
    assert len(err.value.suggestions) <= 5


@pytest.mark.parametrize("name", ["", "   ", "!!!", "../.."])
def test_names_without_letters_are_usage_errors(name: str) -> None:
    ix = open_index(discover([])[0])
    with pytest.raises(UsageError):
        ix.get(name)


def test_ids_are_slugified_stems_and_corpus_order_decides(tmp_path: Path) -> None:
    a = tmp_path / "a"
    b = tmp_path / "b"
    write(a, "x/Some File.md", "x")
    write(b, "some-file.md", "y")
    entries, _ = scan([Corpus(a, "--corpus"), Corpus(b, "bundled")])
    assigned = assign_ids(entries)
    assert [(x.id, x.active) for x in assigned] == [("some-file", True), ("some-file", False)]


def test_symlink_loop_is_not_followed_forever(tmp_path: Path) -> None:
    root = user_corpus(tmp_path)
    os.symlink(root, root / "a" / "loop")
    entries, _ = scan([Corpus(root, "--corpus")])
    assert len(entries) == 3


def test_rebuild_swaps_in_a_whole_file_atomically(tmp_path: Path) -> None:
    corpora = discover([])[0]
    ix = open_index(corpora)
    path = index_path(corpora)
    before = path.stat().st_ino
    ix2 = open_index(corpora, rebuild=True)
    assert ix2.report.full
    assert path.stat().st_ino != before  # a new file was moved into place
    assert not list(path.parent.glob("*.tmp"))
    # the old connection still reads the old, whole file
    assert ix.get("colostrum").title == "Colostrum"


def test_info_lists_corpora_and_counts(tmp_path: Path) -> None:
    root = user_corpus(tmp_path)
    info = open_index(corpora_for(root)).info()
    assert [c["origin"] for c in info["corpora"]] == ["--corpus", "bundled"]
    assert info["corpora"][0]["monographs"] == 3
    assert info["monographs"] == len(scan(discover([])[0])[0]) + 2
    assert info["built"]


def test_medref_path_and_user_data_dir_are_corpora(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_dir = tmp_path / "envdir"
    env_dir.mkdir()
    data_dir = tmp_path / "data" / "medref" / "monographs"
    data_dir.mkdir(parents=True)
    monkeypatch.setenv("MEDREF_PATH", f"{env_dir}{os.pathsep}{tmp_path / 'missing'}")
    corpora, warnings = discover([])
    assert [c.origin for c in corpora] == ["MEDREF_PATH", "user data dir", "bundled"]
    assert len(warnings) == 1 and "missing" in warnings[0]


def test_fts5_table_exists_in_the_cache() -> None:
    ix = open_index(discover([])[0])
    assert ix.path is not None
    conn = sqlite3.connect(ix.path)
    assert conn.execute("SELECT count(*) FROM fts WHERE fts MATCH 'colostrum'").fetchone()[0] > 0


def test_full_text_index_matches_its_content_after_edits_and_removals(tmp_path: Path) -> None:
    root = user_corpus(tmp_path)
    corpora = corpora_for(root)
    open_index(corpora)
    (root / "b" / "betazole.md").write_text(monograph_text("Betazole", "### Usage\nQuuxine.\n"))
    (root / "a" / "alphamine.md").unlink()
    write(root, "d/deltamide.md", monograph_text("Deltamide", "### Usage\nZorblat here.\n"))
    ix = open_index(corpora, full_check=True)
    assert ix.report.parsed == 2 and ix.report.removed == 1
    # FTS5 compares its index with the content it was built from (read through the view).
    ix.conn.execute("INSERT INTO fts(fts, rank) VALUES('integrity-check', 1)")
    hits = ix.conn.execute("SELECT count(*) FROM fts WHERE fts MATCH 'alphamine'").fetchone()
    assert hits == (0,)


@pytest.mark.cold_cache
def test_indexes_of_corpus_sets_unused_for_a_month_are_removed(
    tmp_path: Path, isolated: Path
) -> None:
    isolated.mkdir(parents=True, exist_ok=True)
    old = isolated / "index-000000000000.sqlite"
    recent = isolated / "index-111111111111.sqlite"
    for f in (old, recent):
        f.write_bytes(b"not really an index")
    month_ago = time.time() - 31 * 86400
    os.utime(old, (month_ago, month_ago))
    open_index(discover([])[0])  # a full build of the bundled corpus
    assert not old.exists() and recent.exists()


def test_a_full_build_leaves_the_full_text_index_in_one_segment(tmp_path: Path) -> None:
    from test_hostile import synthetic

    ix = open_index(corpora_for(synthetic(tmp_path, 400)))
    # FTS5's 'merge' with a negative count merges any two segments; it changes (almost)
    # nothing only when the index already is one segment (https://sqlite.org/fts5.html).
    before = ix.conn.total_changes
    ix.conn.execute("INSERT INTO fts(fts, rank) VALUES('merge', -16)")
    assert ix.conn.total_changes - before < 2
    ix.conn.execute("INSERT INTO fts(fts, rank) VALUES('integrity-check', 1)")


def test_a_full_build_leaves_updates_writing_and_merging_as_usual(tmp_path: Path) -> None:
    """The build writes the full-text index with settings of its own (few segments, merged
    once at the end); the index it leaves has FTS5's defaults again, so that updates hold
    little in memory and merge the segments they write."""
    ix = open_index(corpora_for(user_corpus(tmp_path)))
    settings = dict(ix.conn.execute("SELECT k, v FROM fts_config WHERE k != 'version'"))
    assert schema_mod.FTS_SETTINGS == {"automerge": 4, "crisismerge": 16}
    assert settings == schema_mod.FTS_SETTINGS
    ranking = dict(ix.conn.execute("SELECT k, v FROM ranking_config WHERE k != 'version'"))
    assert ranking == schema_mod.FTS_SETTINGS


def test_a_name_shared_by_two_monographs_is_never_picked_silently(tmp_path: Path) -> None:
    from medref.errors import Ambiguous

    root = tmp_path / "site"
    write(root, "a/acetaminophen-rectal.md", monograph_text("Rectamol", aliases=["Tylenol"]))
    write(root, "z/zeddine.md", monograph_text("Zeddine", aliases=["Common"]))
    write(root, "y/yarrow.md", monograph_text("Common", aliases=["Yarrowine"]))
    ix = open_index(corpora_for(root))
    with pytest.raises(Ambiguous) as err:
        ix.resolve("tylenol")  # also an alias of the bundled acetaminophen
    assert err.value.suggestions == ["acetaminophen-rectal", "acetaminophen"]
    assert err.value.exit_code == 2 and err.value.code == "ambiguous"
    assert ix.get("Common").id == "yarrow"  # a title beats an alias
    assert ix.get("acetaminophen").id == "acetaminophen"  # an id is never ambiguous
    write(root, "f/foo-bar.md", monograph_text("Foo One"))
    write(root, "f/foobar.md", monograph_text("Foo Two"))
    with pytest.raises(Ambiguous, match="is the id of 2 monographs"):
        open_index(corpora_for(root)).resolve("foo bar")


def _start(root: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(MEDREF), "--corpus", str(root), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _building(cache: Path, timeout: float = 60.0) -> Path:
    """The temporary file of the build in progress, once it appears."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = list(cache.glob("index-*.tmp"))
        if found:
            return found[0]
        time.sleep(0.01)
    raise AssertionError("no build started")


@pytest.mark.cold_cache
def test_first_runs_started_together_share_one_build(tmp_path: Path) -> None:
    root = tmp_path / "c"
    generate(root, 1500, seed=5)
    cache = Path(os.environ["MEDREF_CACHE_DIR"])
    first = _start(root, "search", "allergy", "--json")
    tmp = _building(cache)
    inode = tmp.stat().st_ino
    others = [_start(root, "search", "allergy", "--json") for _ in range(4)]
    results = []
    for proc in [first, *others]:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        results.append(json.loads(out))
    assert all(r == results[0] for r in results) and results[0]["total"] > 0
    # The index in place is the first run's build: nobody built another after it.
    index = next(cache.glob("index-*.sqlite"))
    assert index.stat().st_ino == inode
    assert not list(cache.glob("*.tmp"))


@pytest.mark.cold_cache
def test_a_waiting_run_takes_over_from_a_builder_that_was_killed(tmp_path: Path) -> None:
    root = tmp_path / "c"
    generate(root, 1500, seed=6)
    cache = Path(os.environ["MEDREF_CACHE_DIR"])
    builder = _start(root, "list", "--json")
    _building(cache)
    waiting = _start(root, "list", "--json")
    time.sleep(0.3)
    builder.kill()
    builder.wait(timeout=60)
    out, err = waiting.communicate(timeout=300)
    assert waiting.returncode == 0, err
    assert len(json.loads(out)) > 1500
    assert list(cache.glob("index-*.sqlite"))


def test_a_first_show_never_waits_for_another_writer(tmp_path: Path) -> None:
    root = tmp_path / "c"
    write(root, "a/alphamine.md", monograph_text("Alphamine", "### Usage\nFor tests.\n"))
    # Folder times this fresh are recorded by the next command (corpus.RACY_NS): that is
    # a write too, and it must not wait either.
    assert subprocess.run([str(MEDREF), "--corpus", str(root), "list"], check=False).returncode == 0
    path = index_path(discover([root])[0])
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process in the middle of a write
    try:
        started = time.monotonic()
        proc = subprocess.run(
            [str(MEDREF), "--corpus", str(root), "show", "alphamine", "--json"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout)["id"] == "alphamine"
        assert time.monotonic() - started < 10  # not the 30 s busy timeout
    finally:
        other.execute("ROLLBACK")
        other.close()
    # The parse was not kept then; the next show keeps it.
    cached = (
        sqlite3.connect(path)
        .execute("SELECT data IS NOT NULL FROM docs WHERE id='alphamine'")
        .fetchone()[0]
    )
    assert cached == 0
    again = subprocess.run(
        [str(MEDREF), "--corpus", str(root), "show", "alphamine", "--json"], check=False
    )
    assert again.returncode == 0
    assert (
        sqlite3.connect(path)
        .execute("SELECT data IS NOT NULL FROM docs WHERE id='alphamine'")
        .fetchone()[0]
        == 1
    )


def test_workers_parse_only_a_few_batches_ahead_of_the_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parsed batches wait in memory until they are written: however slow the writer, the
    workers are given only AHEAD_PER_WORKER batches each beyond those written."""
    from concurrent.futures import ProcessPoolExecutor

    from medref.index import rows

    generate(tmp_path, 1000, seed=7)  # with the bundled monographs, 20 batches
    todo = [(a, "x") for a in assign_ids(scan(corpora_for(tmp_path))[0])]
    submitted = 0
    submit = ProcessPoolExecutor.submit

    def counted(self: ProcessPoolExecutor, *args: object, **kwargs: object) -> object:
        nonlocal submitted
        submitted += 1
        return submit(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ProcessPoolExecutor, "submit", counted)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    written = parsed = 0
    for batch in rows.parse_all(todo, None):
        written += 1
        parsed += len(batch)
        assert submitted <= written + 2 * rows.AHEAD_PER_WORKER
    assert parsed == len(todo) > 1000 and submitted == written


def test_the_first_batches_are_small_so_that_the_writer_starts_soon() -> None:
    from medref.index import rows

    items: list[Any] = [(None, str(n)) for n in range(200)]
    batches = list(rows._batches(items))
    assert [len(b) for b in batches] == [8, 16, 32, 64, 64, 16]
    assert [item for b in batches for item in b] == items


def test_a_batch_parsed_in_a_worker_arrives_as_parsed(tmp_path: Path) -> None:
    """Workers send their batches as plain tuples (they pickle faster than NamedTuples); the
    writer gets the same records as a batch parsed in its own process."""
    import pickle

    from medref.index import rows

    root = user_corpus(tmp_path)
    write(root, "d/deltamide.md", monograph_text("Deltamide + Zorblat", "### Usage\nOne.\n"))
    items = [(a, "x") for a in assign_ids(scan(corpora_for(root))[0])]
    sent = pickle.loads(pickle.dumps(rows._parse_to_send(items)))
    received = rows._received(items, sent)
    assert received == rows._parse_batch(items)
    assert all(type(s) is rows.SectionRow for r in received for s in r.rows)


@pytest.mark.parametrize("touched_chars", [build_mod.TOUCHED_CHARS, 10])
def test_refreshes_keep_the_vocabulary_as_a_full_build_makes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, touched_chars: int
) -> None:
    """After edits, a removal and an addition, the words table (typo correction's
    vocabulary) holds what a full build of the same files gives: each word of the changed
    text looked at again, or (past TOUCHED_CHARS) the whole vocabulary."""
    monkeypatch.setattr(build_mod, "TOUCHED_CHARS", touched_chars)
    root = user_corpus(tmp_path)
    write(root, "d/deltamide.md", monograph_text("Deltamide", "### Usage\nQuorblatine rash.\n"))
    corpora = corpora_for(root)

    def words() -> set[str]:
        ix = open_index(corpora)
        try:
            return {w for (w,) in ix.conn.execute("SELECT word FROM words")}
        finally:
            ix.conn.close()

    before = words()
    assert {"quorblatine", "alphax", "betazole"} <= before
    write(root, "d/deltamide.md", monograph_text("Deltamide", "### Usage\nZentrafolia rash.\n"))
    (root / "b" / "betazole.md").unlink()
    write(root, "e/epsilon.md", monograph_text("Epsilonine", "### Usage\nVelmar itch.\n"))
    os.utime(root / "d", (1, 1))  # the folder's stamp changes, as an editor's save may not
    refreshed = words()
    assert {"zentrafolia", "epsilonine", "velmar"} <= refreshed
    assert not {"quorblatine", "betazole"} & refreshed
    ix = open_index(corpora, rebuild=True)
    full = {w for (w,) in ix.conn.execute("SELECT word FROM words")}
    ix.conn.close()
    assert refreshed == full
