"""The benchmark cases, as data: a new target is one more row in CASES."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Corpus:
    """A synthetic corpus from tests/synthetic.py, selected with MEDREF_PATH.

    kind: 'seed' (n files of about 6 KB), 'label' (n files of 30-250 KB), 'large' (one
    file of size bytes) or 'list' (one file whose Usage is size list items).
    """

    name: str
    kind: str
    size: int
    smoke: int  # the size used by --smoke


@dataclass(frozen=True)
class Cmd:
    """A command line; {page}, {corpus}, {db} and {bench} are filled in by the runner."""

    line: str
    check: str = "ok"  # ok (exit 0), text (prints something), json, colour
    env: tuple[tuple[str, str], ...] = ()
    cold: bool = False  # a new empty cache (and reference database) before every run
    parallel: int = 1  # copies started at once; the time is until the last one exits
    before: str = ""  # an untimed command run before every timed run


@dataclass(frozen=True)
class Limit:
    """An upper bound: unit 'x' (ratio of medians to the reference), 's' or 'MB' (peak RSS)."""

    value: float
    unit: str

    def __str__(self) -> str:
        return f"<= {self.value:g}{'x' if self.unit == 'x' else ' ' + self.unit}"


@dataclass(frozen=True)
class Case:
    """One target: a medref command, its reference, its corpus and its limits."""

    name: str
    what: str
    cmd: Cmd
    ref: Cmd | None
    limits: tuple[Limit, ...]
    corpus: Corpus | None = None  # None: the bundled monographs only
    prepare: tuple[str, ...] = ()  # run once, untimed, on the warm cache before timing
    pairs: int | None = None  # fewer pairs for slow cases that have no ratio


C10K = Corpus("seed-10k", "seed", 10_000, 60)
C5K = Corpus("seed-5k", "seed", 5_000, 40)
LABEL = Corpus("label-2k", "label", 2_000, 4)
MB1 = Corpus("large-1mb", "large", 1_000_000, 60_000)
LIST = Corpus("list-300k", "list", 300_000, 3_000)

TLDR = Cmd("tldr -r {page}", "text")
TLDR_COLOUR = Cmd("tldr -r {page}", "colour", env=(("FORCE_COLOR", "1"),))
SHOW = Cmd("medref show colostrum --json", "json")
SEARCH = Cmd("medref search allergy --json", "json")
RENDER = Cmd("medref --color always show colostrum", "colour")
BUILD = Cmd("medref index --json", "json", cold=True)
BARE = Cmd("python {bench}/bare_insert.py {corpus} {db}", "text", cold=True)
WARM = ("medref index", "medref show colostrum --json")
HUGE = ("medref index",)
RSS_HUGE = Limit(300, "MB")


def x(value: float) -> Limit:
    """A ratio limit."""
    return Limit(value, "x")


def s(value: float) -> Limit:
    """A limit in seconds."""
    return Limit(value, "s")


CASES = (
    Case("show-json", "show colostrum --json, bundled", SHOW, TLDR, (x(1.1),)),
    Case("search", "search allergy --json, bundled", SEARCH, TLDR, (x(1.2),)),
    Case("render", "rendered show, colour forced, bundled", RENDER, TLDR_COLOUR, (x(1.4),)),
    # The first show of a page in its layout renders it (later ones print the kept page);
    # a first show may take twice the target (issue 14).
    Case(
        "render-first",
        "rendered show of a page not kept yet, bundled",
        Cmd(RENDER.line, "colour", before="python {bench}/drop_pages.py"),
        TLDR_COLOUR,
        (x(2.8),),
    ),
    # entry._exit skips the interpreter's teardown: kept only while it buys at least 10%.
    Case(
        "teardown",
        "show --json, vs the same with the interpreter's own exit",
        SHOW,
        Cmd("python {bench}/exit_normally.py show colostrum --json", "json"),
        (x(0.9),),
    ),
    Case("show-json-10k", "show --json, 10k files", SHOW, TLDR, (x(1.1),), C10K, WARM),
    Case("search-10k", "search --json, 10k files", SEARCH, TLDR, (x(1.2),), C10K, WARM),
    Case("render-10k", "rendered show, 10k files", RENDER, TLDR_COLOUR, (x(1.4),), C10K, WARM),
    Case("build-10k", "cold build, 10k files", BUILD, BARE, (x(3), Limit(200, "MB")), C10K),
    Case("build-labels", "cold build, 2k label-sized files", BUILD, BARE, (x(3),), LABEL),
    Case(
        "dosage-1mb",
        "show -s dosage of a 1 MB monograph",
        Cmd("medref show megadosine -s dosage", "text"),
        None,
        (s(0.5),),
        MB1,
        ("medref show megadosine",),
    ),
    Case(
        "first-runs-5",
        "5 first runs at once vs 1 alone, unindexed 5k files",
        Cmd("medref search allergy --json", "json", cold=True, parallel=5),
        Cmd("medref search allergy --json", "json", cold=True),
        (x(1.3),),
        C5K,
    ),
    Case("huge-build", "cold build, 300k-item list", BUILD, None, (s(2), RSS_HUGE), LIST, (), 5),
    Case(
        "huge-json",
        "show --json, 300k-item list",
        Cmd("medref show listadine --json", "json"),
        None,
        (s(2), RSS_HUGE),
        LIST,
        HUGE,
        5,
    ),
    Case(
        "huge-dosage",
        "show -s dosage, 300k-item list",
        Cmd("medref show listadine -s dosage", "text"),
        None,
        (s(2), RSS_HUGE),
        LIST,
        HUGE,
        5,
    ),
    Case(
        "huge-search",
        "search pain --json, 300k-item list",
        Cmd("medref search pain --json", "json"),
        None,
        (s(2), RSS_HUGE),
        LIST,
        HUGE,
        5,
    ),
    Case(
        "huge-render",
        "rendered show, 300k-item list",
        Cmd("medref show listadine", "text"),
        None,
        (s(10), RSS_HUGE),
        LIST,
        HUGE,
        5,
    ),
)
