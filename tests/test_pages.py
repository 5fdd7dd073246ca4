"""Rendered pages kept by the first `show` for the next ones (medref.index.pages), through the
installed command: reused while nothing they were made from changed, never otherwise."""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Proc, Run, monograph_text, write
from medref.corpus import discover
from medref.index import index_path


def _db(cache: Path, corpus: Path | None = None) -> sqlite3.Connection:
    corpora, _ = discover([corpus] if corpus else [])
    return sqlite3.connect(index_path(corpora))


def _pages(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(key, text) of every kept page."""
    return [
        (key, zlib.decompress(text).decode())
        for key, text in conn.execute("SELECT key, text FROM pages ORDER BY rowid")
    ]


def _plant(conn: sqlite3.Connection, text: str) -> None:
    """Replace every kept page's text, so that a test can tell a kept page from a new one."""
    with conn:
        conn.execute("UPDATE pages SET text=?", (zlib.compress(text.encode()),))


ENV = {"COLUMNS": "80"}


def test_a_shown_page_is_kept_and_shown_again(isolated: Path, medref: Callable[..., Proc]) -> None:
    first = medref("--color", "always", "show", "colostrum", env=ENV)
    assert first.code == 0 and "\x1b[" in first.out
    conn = _db(isolated)
    kept = _pages(conn)
    assert [text for _key, text in kept] == [first.out]
    _plant(conn, "PLANTED PAGE\n")
    again = medref("--color", "always", "show", "colostrum", env=ENV)
    assert (again.code, again.out) == (0, "PLANTED PAGE\n")  # read, not rendered again


@pytest.mark.parametrize(
    "args, env",
    [
        (("--color", "never", "show", "colostrum"), ENV),  # another colour
        (("--color", "always", "show", "colostrum"), {"COLUMNS": "60"}),  # another width
        (("--color", "always", "show", "colostrum", "-s", "dosage"), ENV),  # other sections
    ],
)
def test_a_page_is_shown_only_in_its_own_layout(
    isolated: Path, medref: Callable[..., Proc], args: tuple[str, ...], env: dict[str, str]
) -> None:
    assert medref("--color", "always", "show", "colostrum", env=ENV).code == 0
    _plant(_db(isolated), "PLANTED PAGE\n")
    other = medref(*args, env=env)
    assert other.code == 0
    assert "PLANTED" not in other.out and "Colostrum" in other.out


def test_json_and_raw_output_never_come_from_a_page(
    isolated: Path, medref: Callable[..., Proc]
) -> None:
    assert medref("show", "colostrum", env=ENV).code == 0
    _plant(_db(isolated), "PLANTED PAGE\n")
    assert medref("show", "colostrum", "--json").json()["id"] == "colostrum"
    assert medref("show", "colostrum", "--raw").out.startswith("#")


def test_an_edited_monograph_is_rendered_again(
    isolated: Path, tmp_path: Path, medref: Callable[..., Proc]
) -> None:
    corpus = tmp_path / "corpus"
    path = write(corpus, "zorbex.md", monograph_text("Zorbex", "### Usage\nFirst text.\n"))
    assert "First text" in medref("--corpus", str(corpus), "show", "zorbex", env=ENV).out
    path.write_text(monograph_text("Zorbex", "### Usage\nSecond text, longer.\n"))
    shown = medref("--corpus", str(corpus), "show", "zorbex", env=ENV)
    assert "Second text" in shown.out and "First text" not in shown.out


def test_any_change_to_the_index_drops_every_page(
    isolated: Path, tmp_path: Path, medref: Callable[..., Proc]
) -> None:
    """A page may show other monographs' data (the FDA labels of a hand-written monograph's
    name), so a new file anywhere means rendering again."""
    corpus = tmp_path / "corpus"
    write(corpus, "zorbex.md", monograph_text("Zorbex"))
    assert medref("--corpus", str(corpus), "show", "colostrum", env=ENV).code == 0
    conn = _db(isolated, corpus)
    assert len(_pages(conn)) == 1
    write(corpus, "other.md", monograph_text("Other"))
    assert medref("--corpus", str(corpus), "show", "zorbex", "--json").code == 0  # refreshes
    assert _pages(conn) == []


def test_a_page_of_other_code_is_not_shown(isolated: Path, medref: Callable[..., Proc]) -> None:
    """An upgrade (or an edit) of the code that rendered a page makes it render again."""
    assert medref("show", "colostrum", env=ENV).code == 0
    conn = _db(isolated)
    (code,) = conn.execute("SELECT code FROM pages").fetchone()
    files = json.loads(code)
    assert any(path.endswith("render.py") for path, _stamp in files)
    assert any("/rich/" in path for path, _stamp in files)
    _plant(conn, "PLANTED PAGE\n")
    assert medref("show", "colostrum", env=ENV).out == "PLANTED PAGE\n"
    files[0][1] = "0:0"  # as if that file had changed since
    with conn:
        conn.execute("UPDATE pages SET code=?", (json.dumps(files),))
    shown = medref("show", "colostrum", env=ENV)
    assert shown.code == 0 and "PLANTED" not in shown.out and "Colostrum" in shown.out


def test_a_busy_index_keeps_nothing_and_still_shows_the_page(
    isolated: Path, medref: Callable[..., Proc]
) -> None:
    # Trust the folders' times (no full check, which would write, and so wait for the lock).
    env = {**ENV, "MEDREF_RECHECK": "3600"}
    assert medref("show", "colostrum", "--json", env=env).code == 0
    holder = _db(isolated)
    holder.execute("BEGIN IMMEDIATE")  # another process is writing the index
    try:
        shown = medref("show", "colostrum", env=env)
    finally:
        holder.execute("ROLLBACK")
    assert shown.code == 0 and "Colostrum" in shown.out and shown.err == ""
    assert _pages(holder) == []


def test_pages_longer_than_the_limit_are_not_kept(
    isolated: Path, monkeypatch: pytest.MonkeyPatch, run: Callable[..., Run]
) -> None:
    from medref import output

    monkeypatch.setattr(output, "KEPT_CHARS", 500)
    assert run("show", "colostrum").code == 0
    assert _pages(_db(isolated)) == []
    monkeypatch.setattr(output, "KEPT_CHARS", 1_000_000)
    assert run("show", "colostrum").code == 0
    assert len(_pages(_db(isolated))) == 1


def test_only_the_most_recent_pages_are_kept(
    isolated: Path, monkeypatch: pytest.MonkeyPatch, run: Callable[..., Run]
) -> None:
    from medref.index import pages

    monkeypatch.setattr(pages, "PAGES_KEPT", 2)
    for width in ("60", "70", "80"):
        assert run("show", "colostrum", env={"COLUMNS": width}).code == 0
    keys = [key for key, _text in _pages(_db(isolated))]
    assert [k.split(":")[1] for k in keys] == ["70", "80"]


def test_a_page_read_before_the_index_changed_is_not_kept(isolated: Path, tmp_path: Path) -> None:
    """Rendering takes time; another command may change the index meanwhile. The page was
    made from the index as it was, so keeping it would show stale data later."""
    from medref import Library

    corpus = tmp_path / "corpus"
    write(corpus, "zorbex.md", monograph_text("Zorbex"))
    lib = Library([corpus])
    page = lib.page("zorbex", "key")
    write(corpus, "other.md", monograph_text("Other"))
    lib.get("other")  # another command: the index takes the new file
    lib.keep_page(page, "STALE PAGE\n")
    assert _pages(_db(isolated, corpus)) == []
    fresh = lib.page("zorbex", "key")
    lib.keep_page(fresh, "FRESH PAGE\n")
    assert lib.page("zorbex", "key").text == "FRESH PAGE\n"


def test_a_page_read_before_a_rebuild_is_not_kept(isolated: Path, tmp_path: Path) -> None:
    """A rebuild writes a new index file at the same path, where doc numbers may belong to
    other monographs: a page read from the old file is not kept in the new one."""
    from medref import Library
    from medref.index import with_index

    corpus = tmp_path / "corpus"
    write(corpus, "beta.md", monograph_text("Beta"))
    lib = Library([corpus])
    page = lib.page("beta", "key")
    write(corpus, "aaa.md", monograph_text("Aaa"))  # takes beta's doc number in a new build
    with_index(lib.corpora, lambda _ix: None, rebuild=True)
    lib.keep_page(page, "STALE PAGE\n")
    assert _pages(_db(isolated, corpus)) == []
    assert lib.page("aaa", "key").text is None


def test_replacing_a_page_keeps_room_for_as_many(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from medref import Library
    from medref.index import pages

    monkeypatch.setattr(pages, "PAGES_KEPT", 2)
    lib = Library()
    for key in ("a", "b", "b"):  # "b" kept twice: the second replaces the first
        lib.keep_page(lib.page("colostrum", key), f"page {key}\n")
    assert [key for key, _text in _pages(_db(isolated))] == ["a", "b"]


def test_a_refresh_that_changes_nothing_keeps_the_pages(isolated: Path) -> None:
    """Another process may have applied an edit already: the writer then changes nothing,
    and the pages stay; the first change drops them."""
    from medref import Library
    from medref.index.build import Writer
    from medref.index.schema import writing

    lib = Library()
    lib.keep_page(lib.page("colostrum", "key"), "KEPT PAGE\n")
    conn = _db(isolated)
    conn.isolation_level = None
    with writing(conn):
        Writer(conn).flush_words()
    assert lib.page("colostrum", "key").text == "KEPT PAGE\n"
    with writing(conn):
        Writer(conn).remove(0)  # a change (of no doc): the pages go
    assert lib.page("colostrum", "key").text is None
