"""Hostile and broken input: no tracebacks, no lost monographs, no terminal or path injection."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import medref.index as index_mod
import medref.index.build as build_mod
import medref.index.freshness as freshness_mod
import medref.index.scan as scan_mod
import medref.index.schema as schema_mod
import medref.parse as parse_mod
from conftest import Run, monograph_text, write
from medref.corpus import Corpus, discover
from medref.errors import NotFound, UsageError
from medref.index import index_path, open_index
from medref.index.search import search
from medref.parse import parse
from synthetic import generate

R = Callable[..., Run]
ROOT = Path(__file__).parent.parent


def medref(
    *args: str, env: dict[str, str] | None = None, **kw: Any
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "medref", *args],
        capture_output=True,
        text=True,
        errors="replace",
        env=env or dict(os.environ),
        timeout=300,
        **kw,
    )


# -- 1. broken monograph files -------------------------------------------------------------


def broken_corpus(root: Path) -> Path:
    write(root, "good.md", monograph_text("Goodamine"))
    write(root, "bad-yaml.md", "---\ntitle: [oops\n---\n# Bad Yaml\n### Usage\nStill here.\n")
    write(root, "unclosed.md", "---\ntitle: Unclosed\n### Usage\nNo closing line.\n")
    (root / "latin1.md").write_bytes(b"---\ntitle: Latin\n---\n### Usage\ncaf\xe9 au lait\n")
    (root / "bom.md").write_bytes(b"\xef\xbb\xbf---\ntitle: Bommed\n---\n### Usage\nBOM text.\n")
    (root / "crlf.md").write_bytes(b"---\r\ntitle: Crlfine\r\n---\r\n### Usage\r\nCRLF text.\r\n")
    (root / "empty.md").write_bytes(b"")
    (root / "binary.md").write_bytes(b"\x00\x01\x02\xff" * 100)
    write(root, "deep.md", "# Deep\n" + "- " * 10_000 + "x\n")
    write(root, "deepordered.md", "# Deepordered\n" + "1. " * 10_000 + "x\n")
    (root / "giant.md").write_bytes(b"# Giant\n" + b"word " * (2 * 2**20))
    write(root, "deepquote.md", "# Deepquote\n" + ">" * 10_000 + " hi\n")
    big = "### Usage\n" + ("Large monograph text. " * 40 + "\n\n") * 5_700
    write(root, "huge.md", "---\ntitle: Huge\n---\n" + big)
    os.symlink(root, root / "loop")
    return root


def test_broken_files_are_warned_about_and_everything_else_indexed(run: R, tmp_path: Path) -> None:
    root = broken_corpus(tmp_path / "c")
    assert (root / "huge.md").stat().st_size > 5_000_000
    r = run("--corpus", str(root), "list", "--json")
    assert r.code == 0
    ids = {row["id"] for row in r.json()}
    assert {
        "good",
        "bad-yaml",
        "unclosed",
        "latin1",
        "bom",
        "crlf",
        "empty",
        "deep",
        "deepquote",
        "huge",
    } <= ids
    assert "binary" not in ids and "giant" not in ids  # skipped: not a monograph
    warned = r.err.splitlines()
    assert all(line.startswith("medref: warning: ") for line in warned)
    for name in ("bad-yaml.md", "unclosed.md", "latin1.md", "binary.md", "empty.md", "giant.md"):
        assert sum(name in line for line in warned) == 1, name
    show = run("--corpus", str(root), "show", "crlf", "--json").json()
    assert show["title"] == "Crlfine" and show["sections"][0]["text"] == "CRLF text."
    assert run("--corpus", str(root), "show", "bom", "--json").json()["title"] == "Bommed"
    latin = run("--corpus", str(root), "show", "latin1", "--json").json()
    assert "caf\ufffd au lait" in latin["sections"][0]["text"]
    assert (
        run("--corpus", str(root), "show", "bad-yaml", "--json").json()["sections"][0]["text"]
        == "Still here."
    )


def test_validate_reports_broken_files(run: R, tmp_path: Path) -> None:
    root = broken_corpus(tmp_path / "c")
    rows = run("validate", "--json", str(root)).json()
    codes = {(Path(x["file"]).name, x["code"]) for x in rows}
    assert ("bad-yaml.md", "front-matter-yaml") in codes
    assert ("unclosed.md", "front-matter-unclosed") in codes
    assert ("latin1.md", "not-utf8") in codes
    assert ("binary.md", "not-markdown") in codes
    assert ("empty.md", "empty") in codes


def test_unreadable_and_vanished_files_are_skipped_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "c"
    write(root, "good.md", monograph_text("Goodamine"))
    locked = write(root, "locked.md", monograph_text("Locked"))
    gone = write(root, "gone.md", monograph_text("Gone"))
    real_read = parse_mod.read_text

    def read_text(path: Path) -> tuple[str, list[Any]]:
        if path == locked:  # root ignores file modes, so deny the read here
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        if path == gone:
            gone.unlink()  # deleted between the scan and the parse
        return real_read(path)

    monkeypatch.setattr(parse_mod, "read_text", read_text)
    warnings: list[str] = []
    ix = open_index(discover([root])[0], warn=warnings.append)
    assert ix.get("good").title == "Goodamine"
    for name in ("locked", "gone"):
        with pytest.raises(NotFound):
            ix.get(name)
    assert any("locked.md" in w and "permission denied" in w for w in warnings)
    assert any("gone.md" in w and "vanished" in w for w in warnings)
    # stored as unreadable, never as a whole monograph
    row = ix.conn.execute("SELECT data, active FROM docs WHERE path=?", (str(locked),)).fetchone()
    assert row == (None, 0)


# -- 2. terminal injection ---------------------------------------------------------------

OSC8 = "\x1b]8;;http://example.invalid\x1b\\click\x1b]8;;\x1b\\"
TITLE_OSC = "\x1b]0;pwned\x07"
CLEAR = "\x1b[2J\x1b[H"
RLO = "\u202e"


def evil_corpus(root: Path) -> Path:
    text = (
        # YAML forbids raw control characters, so the front matter uses YAML's own escapes.
        '---\ntitle: "Evil\\e]0;pwned\\a\\u202Ename"\naliases: ["Al\\e[2J\\e[Hias"]\n---\n'
        f"# Evil{TITLE_OSC}\n"
        f"### Usage\nVisit {OSC8} now {CLEAR} and {RLO}reversed\x07 bell.\n"
        "### FAQs\n* **Q: Is it " + TITLE_OSC + "safe?**  A: No" + CLEAR + " really.\n"
    )
    write(root, f"evil{CLEAR}.md", text)
    return root


def assert_inert(text: str) -> None:
    assert "\x1b]" not in text and "\x1b[2J" not in text and RLO not in text and "\x07" not in text


@pytest.mark.parametrize(
    "args",
    [
        ["show", "evil-2j-h"],
        ["show", "evil-2j-h", "--raw"],
        ["faq", "evil-2j-h"],
        ["search", "reversed"],
        ["list"],
        ["index"],
        ["validate"],
    ],
)
@pytest.mark.parametrize("color", ["always", "never"])
def test_escape_sequences_never_reach_the_terminal(
    run: R, tmp_path: Path, args: list[str], color: str
) -> None:
    root = evil_corpus(tmp_path / "c")
    extra = [str(root)] if args[0] == "validate" else []
    r = run("--color", color, "--corpus", str(root), *args, *extra)
    assert r.code in (0, 1)
    if "--raw" in args and color == "never":
        assert OSC8 in r.out  # raw Markdown into a pipe stays byte-exact
        return
    assert_inert(r.out)
    assert_inert(r.err)
    if args[0] in ("show", "faq", "search", "list"):
        assert "\\x1b" in r.out or "\\u202e" in r.out  # shown as visible escapes


def test_raw_on_a_terminal_is_neutralised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import medref.output as output

    root = evil_corpus(tmp_path / "c")
    monkeypatch.setattr(output, "_isatty", lambda stream: True)
    from medref.cli import app

    with pytest.raises(SystemExit):
        app(["--no-pager", "--corpus", str(root), "show", "evil-2j-h", "--raw"])
    assert_inert(capsys.readouterr().out)


def test_json_keeps_the_data_exact(run: R, tmp_path: Path) -> None:
    root = evil_corpus(tmp_path / "c")
    data = run("--corpus", str(root), "show", "evil-2j-h", "--json").json()
    assert data["title"] == f"Evil{TITLE_OSC}{RLO}name"
    assert OSC8 in data["sections"][0]["markdown"]
    assert data["aliases"] == [f"Al{CLEAR}ias"]


# -- 3. names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, code",
    [
        ("../../etc/passwd", 1),
        ("/etc/passwd", 1),
        ("colo\x00strum", 1),
        ("x" * 100_000, 1),
        ("", 2),
        ("...", 2),
        ("/", 2),
        ("-_-", 2),
    ],
)
@pytest.mark.parametrize("command", ["show", "faq"])
def test_hostile_names_get_clean_errors(run: R, name: str, code: int, command: str) -> None:
    r = run(command, "--", name) if name.startswith("-") else run(command, name)
    assert r.code == code
    assert r.out == ""
    assert len(r.err.splitlines()) == 1 and len(r.err) < 400


def test_names_are_never_opened_as_paths(run: R, tmp_path: Path) -> None:
    outside = write(tmp_path, "outside.md", monograph_text("Outsider"))
    r = run("show", str(outside))
    assert r.code == 1 and "Outsider" not in r.out
    r = run("show", str(outside.with_suffix("")))
    assert r.code == 1


# -- 4. search queries (see also test_search.py) ---------------------------------------------


@pytest.mark.parametrize(
    "query", ['"', "NEAR(", "a:b", "^x", "*", "'; DROP TABLE docs;--", "x" * 100_000, "?!.,", "💊"]
)
def test_hostile_search_queries_exit_cleanly(run: R, query: str) -> None:
    r = run("search", "--", query)
    assert r.code in (0, 1)
    assert "Traceback" not in r.err


# -- 5. the cache ----------------------------------------------------------------------------


def bundled() -> list[Corpus]:
    return discover([])[0]


def test_corrupt_cache_is_rebuilt(run: R) -> None:
    run("list")
    path = index_path(bundled())
    path.write_bytes(os.urandom(50_000))
    r = run("show", "colostrum", "--json")
    assert r.code == 0 and r.json()["id"] == "colostrum"
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == (
        schema_mod.SCHEMA_VERSION
    )


def test_truncated_cache_is_rebuilt(run: R) -> None:
    run("list")
    path = index_path(bundled())
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    r = run("search", "allergy", "--json")
    assert r.code == 0 and r.json()["total"] > 10
    assert len(r.err.splitlines()) <= 1


def test_other_schema_version_is_rebuilt() -> None:
    open_index(bundled())
    conn = sqlite3.connect(index_path(bundled()))
    conn.execute("PRAGMA user_version = 1")
    conn.close()
    ix = open_index(bundled())
    assert ix.report.full and ix.get("colostrum")


def test_cache_path_that_is_a_file_falls_back_to_memory(run: R, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    r = run("show", "colostrum", "--json", env={"MEDREF_CACHE_DIR": str(blocker)})
    assert r.code == 0 and r.json()["id"] == "colostrum"
    assert len(r.err.splitlines()) == 1 and "in-memory" in r.err


@pytest.mark.cold_cache
def test_read_only_cache_dir_falls_back_to_memory(run: R, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    def denied(*_a: Any, **_k: Any) -> Any:  # root ignores modes, so deny here
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    r = run("show", "colostrum", "--json")
    assert r.code == 0 and r.json()["id"] == "colostrum"
    assert len(r.err.splitlines()) == 1 and "in-memory" in r.err


@pytest.mark.cold_cache
def test_full_disk_leaves_no_half_built_cache(run: R, monkeypatch: pytest.MonkeyPatch) -> None:
    real_put = build_mod.Writer.put
    calls = {"n": 0}

    def put(self: Any, *args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 10:
            raise sqlite3.OperationalError("database or disk is full")
        real_put(self, *args, **kwargs)

    monkeypatch.setattr(build_mod.Writer, "put", put)
    r = run("list", "--json")
    assert r.code == 0 and len(r.json()) >= 61
    assert len(r.err.splitlines()) == 1 and "disk is full" in r.err
    path = index_path(bundled())
    assert not path.exists() and not list(path.parent.glob("*.tmp"))


def synthetic(tmp_path: Path, n: int) -> Path:
    root = tmp_path / "syn"
    generate(root, n, seed=3)
    return root


@pytest.mark.cold_cache
def test_two_processes_building_at_once_both_succeed(tmp_path: Path) -> None:
    root = synthetic(tmp_path, 600)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "medref", "--corpus", str(root), "list", "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    counts = [len(json.loads(out)) for out, _ in outs]
    assert counts[0] == counts[1] > 600
    cache = Path(os.environ["MEDREF_CACHE_DIR"])
    assert len(list(cache.glob("index-*.sqlite"))) == 1
    assert not list(cache.glob("*.tmp"))
    assert medref("--corpus", str(root), "show", "colostrum", "--json").returncode == 0


@pytest.fixture(scope="session")
def slow_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough monographs that a build is still running a second after it starts (read only)."""
    return synthetic(tmp_path_factory.mktemp("slow"), 3000)


@pytest.mark.cold_cache
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_interrupted_build_is_never_used(slow_corpus: Path, sig: int) -> None:
    root = slow_corpus
    proc = subprocess.Popen(
        [sys.executable, "-m", "medref", "--corpus", str(root), "list"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A shell starts background jobs with SIGINT ignored, and Python keeps it so.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    time.sleep(1.0)
    proc.send_signal(sig)
    _out, err = proc.communicate(timeout=300)
    cache = Path(os.environ["MEDREF_CACHE_DIR"])
    if sig == signal.SIGINT:
        assert proc.returncode == 130, err
        assert "Traceback" not in err
        assert not list(cache.glob("*.tmp"))
    assert not list(cache.glob("index-*.sqlite"))  # nothing half-built was moved into place
    again = medref("--corpus", str(root), "list", "--json")
    assert again.returncode == 0 and len(json.loads(again.stdout)) > 3000
    assert not list(cache.glob("*.tmp"))  # a killed build's leftovers are cleaned up


# -- 6. output streams ---------------------------------------------------------------------


def test_broken_pipe_and_closed_stdout_are_quiet() -> None:
    head = subprocess.run(
        f"{sys.executable} -m medref show colostrum | head -1",
        shell=True,
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, COLUMNS="40"),
    )
    assert head.stdout.strip() == "Colostrum  (colostrum)"
    assert head.stderr == ""
    closed = subprocess.run(
        f"{sys.executable} -m medref show colostrum >&-",
        shell=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in closed.stderr


@pytest.mark.parametrize(
    "env",
    [{"LANG": "C", "LC_ALL": "C"}, {"PYTHONIOENCODING": "ascii"}, {"PYTHONIOENCODING": "latin-1"}],
)
def test_non_utf8_locales_do_not_crash(env: dict[str, str]) -> None:
    out = medref(
        "--corpus",
        str(ROOT / "tests" / "fixtures" / "search"),
        "search",
        "naive",
        env=dict(os.environ, **env),
    )
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr


def test_ctrl_c_exits_130_without_traceback(run: R, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*_a: Any, **_k: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(index_mod, "with_index", interrupted)
    r = run("show", "colostrum")
    assert r.code == 130


@pytest.mark.cold_cache
def test_missing_fts5_exits_3(run: R, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        schema_mod, "SCHEMA", schema_mod.SCHEMA.replace("USING fts5(", "USING fts5x(")
    )
    r = run("show", "colostrum")
    assert r.code == 3 and "FTS5" in r.err


# -- 7. properties ---------------------------------------------------------------------------

front = st.dictionaries(
    st.text(max_size=10),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
        ),
        max_leaves=10,
    ),
    max_size=5,
)
md_text = st.text(
    alphabet=st.sampled_from(list("#*-_:>`[]()!<>/ \n\tQA?1.abcUsageDosage")), max_size=400
) | st.text(max_size=400)


@given(body=md_text, fm=front)
def test_parser_never_raises_and_drops_nothing(body: str, fm: dict[str, Any]) -> None:
    import yaml

    head = "---\n" + yaml.safe_dump(fm, allow_unicode=True) + "---\n" if fm else ""
    mono = parse(head + body, path="prop.md")
    normalised = body.replace("\r\n", "\n").replace("\r", "\n")
    if not head:
        normalised = normalised.lstrip("\ufeff")  # a BOM only counts at the very start
    covered = "\n".join(s.markdown for s in mono.sections)
    h1 = {line for line in normalised.split("\n") if line.lstrip().startswith("#")}
    for line in normalised.split("\n"):
        if line.strip() and line not in h1 and not head:
            assert line in covered or line.strip() in covered or line in mono.title, line
    for s in mono.sections:
        assert s.markdown in head + normalised or s.markdown.strip("\n") in normalised


@given(st.text(max_size=300))
def test_parser_never_raises_on_arbitrary_text(text: str) -> None:
    mono = parse(text)
    assert mono.title and mono.id  # every file gets a name it can be found by
    assert all(s.key and s.key == s.key.lower() for s in mono.sections)


@given(st.text(max_size=200))
def test_search_never_raises(text: str) -> None:
    ix = _shared_index()
    result = search(ix, text)
    assert result.total >= len(result.hits) and len(result.hits) <= 10
    assert all(h.snippet.count("**") % 2 == 0 for h in result.hits)  # marks come in pairs


@given(st.text(max_size=200))
def test_lookup_never_raises(text: str) -> None:
    ix = _shared_index()
    with contextlib.suppress(NotFound, UsageError):
        mono = ix.get(text)
        assert ix.get(mono.id).id == mono.id  # what a name finds, its id finds too


_INDEX: dict[str, Any] = {}


def _shared_index() -> Any:
    if "ix" not in _INDEX:
        quiet = lambda _m: None  # noqa: E731
        state = scan_mod.scan(bundled(), None, quiet)
        _INDEX["ix"] = freshness_mod.build_in_memory(bundled(), state, None, quiet)
    return _INDEX["ix"]


# -- found in review -----------------------------------------------------------------------


def test_exclusions_that_look_like_short_options(run: R) -> None:
    base = {h["id"] for h in run("search", "allergy", "--json", "-n", "200").json()["results"]}
    for word in ("-sugar", "-nausea", "-heart"):
        r = run("search", "allergy", "--json", "-n", "200", "--", word)
        assert r.code == 0, (word, r.err)
        assert {h["id"] for h in r.json()["results"]} < base
        # Without `--` the parser reads an option: an error, never a quiet other meaning.
        assert run("search", "allergy", word).code == 2


def test_limit_with_its_value_attached_is_the_limit_not_an_exclusion(run: R) -> None:
    r = run("search", "allergy", "-n2", "--json")
    assert r.code == 0 and len(r.json()["results"]) == 2
    assert r.json()["query"] == "allergy"


def test_hyphenated_exclusion_excludes_the_phrase(run: R) -> None:
    plain = {h["id"] for h in run("search", "aspirin", "--json", "-n", "200").json()["results"]}
    r = run("search", "aspirin", "--json", "-n", "200", "--", "-over-the-counter")
    excluded = {h["id"] for h in r.json()["results"]}
    assert excluded < plain  # fewer, never the pages that say "over-the-counter"


@pytest.mark.parametrize("value", ["!!timestamp soon", '!!int ""', "!!bool foo", '!!float ""'])
def test_odd_yaml_tags_cost_one_file_not_every_command(run: R, tmp_path: Path, value: str) -> None:
    root = tmp_path / "c"
    write(root, "odd.md", f"---\ntitle: Odd\nreviewed: {value}\n---\n### Usage\nText.\n")
    r = run("--corpus", str(root), "show", "colostrum", "--json")
    assert r.code == 0 and r.json()["id"] == "colostrum"
    assert run("--corpus", str(root), "show", "odd", "--json").json()["title"] == "odd"


def test_non_utf8_file_name_is_skipped_with_a_warning(tmp_path: Path) -> None:
    root = tmp_path / "c"
    write(root, "good.md", monograph_text("Goodamine"))
    (root / os.fsdecode(b"bad\xff.md")).write_text(monograph_text("Bad"))
    out = medref("--corpus", str(root), "list", "--json")
    assert out.returncode == 0, out.stderr
    assert "good" in {r["id"] for r in json.loads(out.stdout)}
    assert "not valid text" in out.stderr and "Traceback" not in out.stderr


def test_non_utf8_folder_names_are_skipped_with_a_warning(tmp_path: Path) -> None:
    root = tmp_path / "c"
    write(root, "good.md", monograph_text("Goodamine"))
    write(root / os.fsdecode(b"dir\xff"), "inner.md", monograph_text("Innermine"))
    for args in (
        ["--corpus", str(root)],
        ["--corpus", os.fsdecode(b"%s/dir\xff" % os.fsencode(root))],
    ):
        out = medref(*args, "list", "--json")
        assert out.returncode == 0, out.stderr
        assert "folder name is not valid text" in out.stderr and "Traceback" not in out.stderr
    assert "good" in {
        r["id"] for r in json.loads(medref("--corpus", str(root), "list", "--json").stdout)
    }


def test_non_utf8_byte_in_a_typed_name_is_ignored_like_punctuation() -> None:
    out = subprocess.run(
        [os.fsencode(sys.executable), b"-m", b"medref", b"show", b"colostrum\xff"],
        capture_output=True,
        timeout=120,
    )
    # the stray byte reads as U+FFFD, which name matching ignores like punctuation
    assert out.returncode == 0 and b"Traceback" not in out.stderr
    assert b"Colostrum" in out.stdout


def test_nested_and_overlapping_corpora(run: R, tmp_path: Path) -> None:
    root = tmp_path / "c"
    write(root, "sub/inner.md", monograph_text("Innermine"))
    r = run("--corpus", str(root), "--corpus", str(root / "sub"), "list", "--json")
    assert r.code == 0
    assert [x["id"] for x in r.json()].count("inner") == 1
    whole = run("--corpus", str(ROOT), "list", "--json")  # holds the bundled monographs too
    assert whole.code == 0 and len(whole.json()) >= 61


def test_search_with_an_unknown_section_is_a_usage_error(run: R) -> None:
    r = run("search", "allergy", "-s", "bogus")
    assert r.code == 2 and "unknown section" in r.err


def test_names_in_any_script(run: R, tmp_path: Path) -> None:
    root = tmp_path / "c"
    write(root, "ибупрофен.md", monograph_text("Ибупрофен", aliases=["Нурофен"]))
    r = run("--corpus", str(root), "show", "нурофен", "--json")
    assert r.code == 0 and r.json()["id"] == "ибупрофен"


@pytest.mark.parametrize("columns", ["0", "100000000"])
def test_odd_columns_values(run: R, columns: str) -> None:
    r = run("show", "colostrum", "-s", "usage", env={"COLUMNS": columns})
    assert r.code == 0 and "Colostrum" in r.out
    if columns == "0":  # says nothing about the width: the default, as for "abc" in a pipe
        assert r.out == run("show", "colostrum", "-s", "usage", env={"COLUMNS": "abc"}).out


def test_export_md_to_a_terminal_is_neutralised(run: R, tmp_path: Path) -> None:
    root = evil_corpus(tmp_path / "c")
    r = run("--color", "always", "--corpus", str(root), "export", "evil-2j-h", "--format", "md")
    assert_inert(r.out)
    raw = run("--corpus", str(root), "export", "evil-2j-h", "--format", "md")
    assert OSC8 in raw.out  # into a pipe it stays byte-exact


def test_export_out_keeps_modes_and_symlinks(run: R, tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        target = tmp_path / "real.jsonl"
        assert run("export", "colostrum", "--out", str(target)).code == 0
        assert target.stat().st_mode & 0o777 == 0o644
        link = tmp_path / "link.jsonl"
        link.symlink_to(target)
        assert run("export", "aspirin", "--out", str(link)).code == 0
        assert link.is_symlink() and json.loads(target.read_text())["id"] == "aspirin"
    finally:
        os.umask(old)


def test_export_out_writes_into_a_pipe_instead_of_replacing_it(run: R, tmp_path: Path) -> None:
    import stat
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    r = run("export", "colostrum", "--out", str(fifo))
    reader.join(timeout=30)
    assert r.code == 0
    assert stat.S_ISFIFO(fifo.stat().st_mode)  # still a pipe, not a regular file
    assert json.loads(received[0])["id"] == "colostrum"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize(
    "argv",
    [["show", "colostrum"], ["list", "--json"], ["export", "colostrum"], ["paths"], ["--version"]],
)
def test_a_full_disk_on_stdout_is_one_line_and_exit_4(argv: list[str]) -> None:
    # Buffered output (the default) fails only when flushed, after the command returned.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "medref", *argv],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            env=env,
        )
    assert proc.returncode == 4
    assert proc.stderr == "medref: cannot write the output: No space left on device\n"


@pytest.mark.skipif(not Path("/dev/stdout").exists(), reason="needs /dev/stdout")
def test_export_out_dev_stdout_appends_to_a_redirected_file(tmp_path: Path) -> None:
    log = tmp_path / "log"
    log.write_text("BEFORE\n")
    with open(log, "a") as out:
        proc = subprocess.run(
            [sys.executable, "-m", "medref", "export", "colostrum", "-o", "/dev/stdout"],
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    assert proc.returncode == 0, proc.stderr
    first, second = log.read_text().splitlines()
    assert first == "BEFORE" and json.loads(second)["id"] == "colostrum"
