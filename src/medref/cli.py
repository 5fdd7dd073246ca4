"""The command line: Typer commands that read their options, call the Library, and print.

Every option is declared once here. The global options (--corpus, --color, --pager) are
declared once in GLOBAL_OPTIONS and accepted both before the command and after it.
Errors become one line on stderr and an exit code in one place, `_run`.

Unlike the other modules, this one evaluates its annotations when it is loaded (no
`from __future__ import annotations`): Typer reads every command's annotations at each
start, and objects cost it less than strings it must evaluate.
"""

import functools
import inspect
import sys
from collections.abc import Callable, Iterator, MutableMapping
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup
from typer.main import get_command

from medref import __version__
from medref.errors import MedrefError
from medref.output import Output

if TYPE_CHECKING:
    from medref.library import Library

# Settings every Typer app of the command line shares.
SETTINGS: dict[str, Any] = {
    "pretty_exceptions_enable": False,
    "rich_markup_mode": None,
    "context_settings": {"help_option_names": ["-h", "--help"]},
}


class Commands(MutableMapping[str, Any]):
    """The root group's commands, each made into a Click command only when it is first
    looked up: a start runs one command, so it builds that one, not all of them (Click's
    lazy subcommands, https://click.palletsprojects.com/en/stable/complex/#lazily-loading-subcommands).

    Help, completion and "did you mean" see every name, in order (COMMANDS).
    """

    def __init__(self) -> None:
        self._made: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._made:
            self._made[name] = get_command(COMMANDS[name]())
        return self._made[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._made[name] = command

    def __delitem__(self, name: str) -> None:
        del self._made[name]

    def _names(self) -> dict[str, None]:
        return dict.fromkeys([*COMMANDS, *self._made])

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())


class RootGroup(TyperGroup):
    """medref's command group, with its commands built on demand (Commands)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = Commands()


# name -> what makes the Typer app of that command alone (see `command`), in --help's order.
COMMANDS: dict[str, Callable[[], typer.Typer]] = {}

app = typer.Typer(
    name="medref",
    help="Fast offline reference for medicine monographs.",
    add_completion=True,
    cls=RootGroup,
    **SETTINGS,
)

USAGE = """\
medref: fast offline reference for medicine monographs

Most useful commands:
  medref show NAME [-s SECTION]   read a monograph (e.g. medref show colostrum -s dosage)
  medref search WORDS...          full-text search with snippets (e.g. medref search allergy)
  medref faq NAME [WORDS]         questions and answers (e.g. medref faq colostrum)

Every command takes --json. Run 'medref --help' for all commands and options.
"""


class Color(StrEnum):
    auto = "auto"
    always = "always"
    never = "never"


class ExportFormat(StrEnum):
    jsonl = "jsonl"
    json = "json"
    md = "md"


# ---------------------------------------------------------------------------------------
# Completion


def complete_names(ctx: typer.Context, incomplete: str) -> list[str]:
    """Monograph ids and aliases, read from the index without rebuilding it."""
    from medref.corpus import discover
    from medref.index import quick_completions

    try:
        here = getattr(ctx, "params", None) or {}
        given = [*(ctx.find_root().params.get("corpus") or []), *(here.get("corpus") or [])]
        corpora, _ = discover([Path(p) for p in given])
        return quick_completions(corpora, incomplete)
    except Exception:  # completion must never print a traceback into the shell
        return []


def complete_sections(incomplete: str) -> list[str]:
    from medref.sections import SECTION_CHOICES

    return [c for c in SECTION_CHOICES if c.startswith(incomplete.lower())]


# ---------------------------------------------------------------------------------------
# Options shared by every command

CorpusOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--corpus", "-c", help="Extra monograph folder; repeatable, first wins.", metavar="DIR"
    ),
]
ColorOpt = Annotated[
    Color | None,
    typer.Option("--color", help="Colour: auto (on a terminal), always or never.", metavar="WHEN"),
]
PagerOpt = Annotated[
    bool | None,
    typer.Option("--pager/--no-pager", help="Page long output (default: on a terminal)."),
]
# name -> (annotation, default): added to the root callback and to every command.
GLOBAL_OPTIONS: dict[str, tuple[Any, Any]] = {
    "corpus": (CorpusOpt, None),
    "color": (ColorOpt, None),
    "pager": (PagerOpt, None),
}


class Globals:
    """The global options, given before the command or after it (after wins)."""

    def __init__(self, ctx: typer.Context, given: dict[str, Any]) -> None:
        root = ctx.find_root().params
        self.corpus: list[Path] = [*(root.get("corpus") or []), *(given["corpus"] or [])]
        color = given["color"] or root.get("color") or Color.auto
        self.color = str(color.value if isinstance(color, Color) else color)
        pager = given["pager"]
        self.pager: bool | None = root.get("pager") if pager is None else pager

    def output(self, as_json: bool = False) -> Output:
        return Output(color=self.color, pager=self.pager, as_json=as_json)

    def library(self) -> "Library":
        from medref.library import Library
        from medref.output import BuildProgress, note, warn

        return Library(self.corpus, warn=warn, progress=BuildProgress(), notice=note)


def global_options(func: Callable[..., None]) -> Callable[..., None]:
    """Give a command the global options; it receives them as one `Globals` named `opts`."""
    signature = inspect.signature(func, eval_str=True)
    params = [p for p in signature.parameters.values() if p.name != "opts"]
    params = [
        inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context),
        *params,
        *(
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=d, annotation=a)
            for name, (a, d) in GLOBAL_OPTIONS.items()
        ),
    ]

    @functools.wraps(func)
    def wrapper(ctx: typer.Context, *args: Any, **kwargs: Any) -> None:
        given = {name: kwargs.pop(name) for name in GLOBAL_OPTIONS}
        func(*args, opts=Globals(ctx, given), **kwargs)

    wrapper.__annotations__ = {p.name: p.annotation for p in params}
    wrapper.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    return wrapper


def command(name: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register a command of the root group, with the global options, in its own Typer app
    (built into a Click command only when it runs: see Commands)."""

    def register(func: Callable[..., None]) -> Callable[..., None]:
        def make() -> typer.Typer:
            one = typer.Typer(add_completion=False, **SETTINGS)
            one.command(name)(global_options(func))
            return one

        COMMANDS[name] = make
        return func

    return register


def _run(out: Output, action: Callable[[], int | None]) -> None:
    """Run a command's body: a MedrefError becomes one line (or JSON) and its exit code."""
    try:
        code = action() or 0
    except MedrefError as err:
        word = _dash_word()
        if word and err.exit_code == 2:
            # "-cough" reads as "-c ough" and "-sleep" as "-s leep": say what was meant.
            err.hint = f"to exclude {word[1:]!r}, put {word} after -- or inside the quoted words"
        code = out.error(err)
    if code:
        raise typer.Exit(code)


def _dash_word() -> str | None:
    """A `-word` given to search or faq before `--`, which the parser read as short options
    and a value."""
    args = sys.argv[1:]
    args = args[: args.index("--") if "--" in args else len(args)]
    commands = [n for n, arg in enumerate(args) if arg in ("search", "faq")]
    for arg in args[commands[0] + 1 :] if commands else []:
        if len(arg) > 3 and arg[0] == "-" and arg[1:].isalpha():
            return arg
    return None


JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON (see README).")]
SectionOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--section",
        "-s",
        help="Section key or synonym; repeatable.",
        autocompletion=complete_sections,
        metavar="KEY",
    ),
]
NameArg = Annotated[
    str,
    typer.Argument(
        help="Id, title or alias.",
        autocompletion=complete_names,
        show_default=False,
        metavar="NAME",
    ),
]
WordsArg = Annotated[
    list[str],
    typer.Argument(
        help='Words: "a phrase", prefix*, and -word to exclude (after --).',
        show_default=False,
        metavar="WORDS...",
    ),
]


def _version(value: bool) -> None:
    if value:
        print(f"medref {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def main_options(
    ctx: typer.Context,
    corpus: CorpusOpt = None,
    color: ColorOpt = None,
    pager: PagerOpt = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Fast offline reference for medicine monographs.

    Example: medref show colostrum -s dosage
    """
    if ctx.invoked_subcommand is None:
        sys.stdout.write(USAGE)
        raise typer.Exit()


# ---------------------------------------------------------------------------------------
# Commands


@command("show")
def show(
    name: NameArg,
    section: SectionOpt = None,
    raw: Annotated[bool, typer.Option("--raw", help="Print the original Markdown.")] = False,
    as_json: JsonOpt = False,
    *,
    opts: Globals,
) -> None:
    """Show a monograph, or only some of its sections.

    Example: medref show colostrum -s dosage -s side-effects
    """
    out = opts.output(as_json)

    def body() -> None:
        if as_json and raw:
            from medref.errors import UsageError

            raise UsageError(
                "--raw and --json cannot be combined (--json gives each section's Markdown)"
            )
        lib = opts.library()
        rendered = not (as_json or raw)
        # A rendered page is kept for the next show in the same layout (Library.keep_page).
        page = lib.page(name, f"{out.layout}:{section or ''}") if rendered else None
        mono = page.monograph if page else lib.get(name)
        shown = mono.sections
        if section:  # (the section module is loaded only for a selection)
            from medref.sections import select

            shown, missing = select(mono, section)
            if missing:
                from medref.output import warn

                warn(f"{mono.id} has no {', '.join(repr(m) for m in missing)} section; left out")
        if as_json:
            out.json(mono.to_dict(shown if section else None))
        elif raw:
            out.source("\n\n".join(s.markdown for s in shown) + "\n")
        elif page and page.text is not None:
            out.replay(page.text)
        else:
            from medref import render

            keep = functools.partial(lib.keep_page, page) if page else None
            out.render_parts(render.monograph_parts(mono, shown), keep=keep)

    _run(out, body)


@command("faq")
def faq(
    name: NameArg,
    words: Annotated[
        list[str] | None,
        typer.Argument(help="Only questions or answers with these words (as in search)."),
    ] = None,
    as_json: JsonOpt = False,
    *,
    opts: Globals,
) -> None:
    """List a monograph's questions and answers.

    Example: medref faq colostrum allergy
    """
    out = opts.output(as_json)

    def body() -> int:
        text = " ".join(words or []) or None
        library = opts.library()
        mono, faqs = library.faqs(name, text)
        unread = library.unread_faqs(mono)  # shown as written, never dropped
        if as_json:
            out.json(mono.faq_dict(faqs, unread))
        else:
            from medref import render

            out.render(render.faqs(mono, faqs, text, unread))
        return 1 if text and not faqs else 0

    _run(out, body)


@command("list")
def list_(as_json: JsonOpt = False, *, opts: Globals) -> None:
    """List every monograph: id, title, sections and source file.

    Example: medref list --json | jq -r '.[].id'
    """
    out = opts.output(as_json)

    def body() -> None:
        lib = opts.library()
        if as_json:
            out.json_text(lib.list_json())  # stored ready-made: no decoding and encoding
        elif not out.tty:
            from medref.sanitize import safe_line

            def cell(value: str) -> str:
                return safe_line(value).replace("\t", "\\t")

            sys.stdout.write(
                "".join(
                    f"{cell(r['id'])}\t{cell(r['title'])}\t{','.join(r['sections'])}"
                    f"\t{cell(r['source'])}\n"
                    for r in lib.list()
                )
            )
        else:
            from medref import render

            out.render(render.listing(lib.list()))

    _run(out, body)


@command("search")
def search(
    query: WordsArg,
    section: SectionOpt = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, metavar="N", help="Most results shown.")
    ] = 10,
    all_sections: Annotated[
        bool, typer.Option("--all-sections", help="List every matching section.")
    ] = False,
    as_json: JsonOpt = False,
    *,
    opts: Globals,
) -> None:
    """Search every monograph, best matches first, with snippets.

    Example: medref search allergy --section precautions -- -milk
    """
    out = opts.output(as_json)

    def body() -> int:
        text = " ".join(query)
        result = opts.library().search(
            text, sections=section or [], limit=limit, all_sections=all_sections
        )
        if as_json:
            out.json(result.to_dict())
        elif result.hits:
            from medref import render

            notes = ["query cut to its first 16 words"] if result.truncated else []
            out.render(render.search_results(result, notes))
        else:
            from medref.sanitize import safe_line

            print(f"medref: no results for {safe_line(text)!r}", file=sys.stderr)
        return 0 if result.hits else 1

    _run(out, body)


@command("compare")
def compare(
    names: Annotated[
        list[str],
        typer.Argument(
            help="Two or more ids, titles or aliases.",
            autocompletion=complete_names,
            show_default=False,
        ),
    ],
    section: SectionOpt = None,
    as_json: JsonOpt = False,
    *,
    opts: Globals,
) -> None:
    """Compare monographs side by side (default: dosage, side effects, precautions).

    Example: medref compare ibuprofen acetaminophen -s dosage
    """
    out = opts.output(as_json)

    def body() -> None:
        comparison = opts.library().compare(names, section or [])
        if as_json:
            out.json(comparison.to_dict())
        else:
            from medref import render

            out.render(
                render.compare(
                    comparison.monographs, comparison.keys, comparison.sections, out.width
                )
            )

    _run(out, body)


@command("export")
def export(
    names: Annotated[
        list[str] | None,
        typer.Argument(
            help="Ids, titles or aliases (default: every monograph).",
            autocompletion=complete_names,
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[
        ExportFormat, typer.Option("--format", "-f", help="jsonl, json or md (original).")
    ] = ExportFormat.jsonl,
    out_file: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write to FILE instead of stdout ('-').", metavar="FILE"),
    ] = None,
    *,
    opts: Globals,
) -> None:
    """Dump monographs for scripts: JSON lines (default), one JSON array, or Markdown.

    Example: medref export --format jsonl | jq -r 'select(.aliases | length > 3) | .id'
    """
    out = opts.output()

    def body() -> None:
        from medref.export import export_text

        lib = opts.library()
        monos = lib.get_many(names) if names else lib.all()
        text = export_text(monos, fmt.value)
        if out_file is not None and str(out_file) != "-":  # "-" is stdout, as for most tools
            from medref.files import write_file

            write_file(out_file, text)
        else:
            out.source(text)  # JSON escapes C0 controls, not bidi or C1 ones

    _run(out, body)


@command("index")
def index(
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Rebuild from scratch.")] = False,
    as_json: JsonOpt = False,
    *,
    opts: Globals,
) -> None:
    """Show the index cache: path, monographs, build time and corpora.

    Example: medref index --rebuild
    """
    out = opts.output(as_json)

    def body() -> None:
        info = opts.library().info(rebuild=rebuild)
        if as_json:
            out.json(info)
            return
        from medref import render

        out.render(render.key_values(render.index_pairs(info)))

    _run(out, body)


@command("paths")
def paths(as_json: JsonOpt = False, *, opts: Globals) -> None:
    """Print each monograph folder in use and where it came from, highest precedence first.

    Example: MEDREF_PATH=~/my-monographs medref paths
    """
    out = opts.output(as_json)

    def body() -> None:
        from medref.corpus import cache_dir, import_dir

        rows = [{"path": str(c.path), "origin": c.origin} for c in opts.library().paths()]
        imported = import_dir("openfda")
        imports = [{"path": str(imported), "source": "openfda"}] if imported.is_dir() else []
        if as_json:
            out.json({"corpora": rows, "imports": imports, "cache_dir": str(cache_dir())})
        else:
            out.lines(f"{r['path']}\t{r['origin']}" for r in rows)
            out.lines(f"{i['path']}\timported FDA labels (in the user data dir)" for i in imports)

    _run(out, body)


@command("validate")
def validate(
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Files or folders to check (default: every corpus in use).", show_default=False
        ),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Missing or empty sections are errors.")
    ] = False,
    as_json: JsonOpt = False,
    *,
    opts: Globals,
) -> None:
    """Check monograph files: front matter, sections, FAQs and unique names.

    Example: medref validate --strict monographs/
    """
    out = opts.output(as_json)

    def body() -> int:
        from medref.library import Library

        findings = Library(opts.corpus).validate(files or [], strict=strict)
        errors = sum(f.level == "error" for f in findings)
        if as_json:
            out.json([f.to_dict() for f in findings])
        else:
            out.lines(str(f) for f in findings)
            warnings = len(findings) - errors
            print(
                f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}",
                file=sys.stderr,
            )
        return 1 if errors else 0

    _run(out, body)


import_app = typer.Typer(
    help="Import monographs from public sources (FDA drug labels).",
    no_args_is_help=True,
    add_completion=False,
    **SETTINGS,
)
COMMANDS["import"] = lambda: import_app


@import_app.callback()
def import_sources() -> None:
    # A callback keeps `import` a group of sources even while it has only one.
    pass


@import_app.command("openfda")
@global_options
def import_openfda(
    files: Annotated[
        list[str] | None,
        typer.Argument(
            help="openFDA label files (.json, .json.zip, or - for stdin); none: download all.",
            show_default=False,
            metavar="FILE...",
        ),
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Folder for the monographs (default: user data).", metavar="DIR"
        ),
    ] = None,
    per_label: Annotated[
        bool, typer.Option("--per-label", help="One monograph per label, not per generic.")
    ] = False,
    prune: Annotated[
        bool, typer.Option("--prune", help="Remove monographs whose labels are gone.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Download without asking.")] = False,
    as_json: JsonOpt = False,
    *,
    opts: Globals,
) -> None:
    """Import FDA drug labels (public domain) as monographs, offline from then on.

    Example: medref import openfda drug-label-0001-of-0013.json.zip
    """
    out = opts.output(as_json)

    def body() -> int:
        from medref.output import TaskProgress

        lib = opts.library()
        progress = TaskProgress()
        try:
            if files:
                summary = lib.import_openfda(
                    files, out_dir=out_dir, per_label=per_label, prune=prune, progress=progress
                )
            else:
                plan = lib.plan_openfda_download()
                _confirm_download(plan, yes)
                summary = lib.download_openfda(
                    plan, out_dir=out_dir, per_label=per_label, progress=progress
                )
        finally:
            progress.finish()
        if as_json:
            out.json(summary.to_dict())
        else:
            from medref import render

            out.lines(render.import_summary(summary))
        from medref.corpus import discover

        folder = summary.out_dir.resolve()
        in_use, _warnings = discover(opts.corpus)  # the user data folder may be new
        if not any(folder.is_relative_to(c.path) for c in in_use):
            from medref.output import warn

            warn(f"{folder} is not a monograph folder in use; add it with --corpus or MEDREF_PATH")
        # 1 tells a script that something was left out (the rest was imported).
        return 1 if summary.skipped_any else 0

    _run(out, body)


def _confirm_download(plan: Any, yes: bool) -> None:
    """Say what the download costs, and ask on a terminal unless --yes."""
    from medref.errors import UsageError
    from medref.output import warn

    mb = 1_000_000
    print(
        f"medref: {len(plan.files)} file{'s' if len(plan.files) != 1 else ''} of FDA drug labels"
        f" ({plan.total_records:,} labels),"
        f" {plan.total_bytes / mb:,.0f} MB to download; about"
        f" {plan.estimated_monograph_bytes / mb:,.0f} MB of monographs and"
        f" {plan.estimated_index_bytes / mb:,.0f} MB of index",
        file=sys.stderr,
    )
    if yes:
        return
    if not sys.stdin.isatty():
        raise UsageError("not downloading without --yes", hint="run it again with --yes")
    if not typer.confirm("Download and import them?", default=False, err=True):
        warn("nothing downloaded")
        raise typer.Exit(1)


def main() -> NoReturn:
    """Run the command line.

    With `--json`, a command-line error (a missing argument, an unknown option) is reported
    as the same JSON error object as every other error, with Click's exit code (2).
    """
    args = sys.argv[1:]
    if "--json" not in args[: args.index("--") if "--" in args else len(args)]:
        app(prog_name="medref")
        sys.exit(0)  # pragma: no cover - app() always exits
    try:
        code = app(prog_name="medref", standalone_mode=False)
    except Exception as exc:
        # Click's exceptions (typer vendors Click privately) carry these two attributes.
        message = getattr(exc, "format_message", None)
        exit_code = getattr(exc, "exit_code", None)
        if not callable(message) or not isinstance(exit_code, int):
            raise
        from medref.errors import UsageError

        Output(as_json=True).error(UsageError(str(message())))
        sys.exit(exit_code)
    sys.exit(code if isinstance(code, int) else 0)
