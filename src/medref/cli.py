"""The Typer command line: each command validates, calls one core function, and emits."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from medref import __version__, commands
from medref.output import Settings

app = typer.Typer(
    name="medref",
    help="Fast offline reference for medicine monographs.",
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
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


def _settings(ctx: typer.Context) -> Settings:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Settings) else Settings()


def _done(code: int) -> None:
    if code:
        raise typer.Exit(code)


# ---------------------------------------------------------------------------------------
# Completion


def complete_names(ctx: typer.Context, incomplete: str) -> list[str]:
    """Monograph ids and aliases, read from the index without rebuilding it."""
    from medref.corpus import discover
    from medref.index import quick_completions

    try:
        dirs = [Path(p) for p in (ctx.find_root().params.get("corpus") or [])]
        corpora, _ = discover(dirs)
        return quick_completions(corpora, incomplete)
    except Exception:  # completion must never print a traceback into the shell
        return []


def complete_sections(incomplete: str) -> list[str]:
    from medref.sections import SECTION_CHOICES

    return [c for c in SECTION_CHOICES if c.startswith(incomplete.lower())]


# ---------------------------------------------------------------------------------------
# Global options


def _version(value: bool) -> None:
    if value:
        print(f"medref {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def main_options(
    ctx: typer.Context,
    corpus: Annotated[
        list[Path] | None,
        typer.Option(
            "--corpus", "-c", help="Extra monograph folder; repeatable, first wins.", metavar="DIR"
        ),
    ] = None,
    color: Annotated[
        Color, typer.Option("--color", help="Colour: auto (on a terminal), always or never.")
    ] = Color.auto,
    pager: Annotated[
        bool | None,
        typer.Option("--pager/--no-pager", help="Page long output (default: on a terminal)."),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Fast offline reference for medicine monographs.

    Example: medref show colostrum -s dosage
    """
    ctx.obj = Settings(corpus_dirs=list(corpus or []), color=color.value, pager=pager)
    if ctx.invoked_subcommand is None:
        sys.stdout.write(USAGE)
        raise typer.Exit()


# ---------------------------------------------------------------------------------------
# Commands

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
    typer.Argument(help="Id, title or alias.", autocompletion=complete_names, show_default=False),
]


@app.command()
def show(
    ctx: typer.Context,
    name: NameArg,
    section: SectionOpt = None,
    raw: Annotated[bool, typer.Option("--raw", help="Print the original Markdown.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Show a monograph, or only some of its sections.

    Example: medref show colostrum -s dosage -s side-effects
    """
    _done(commands.show(_settings(ctx), name, section or [], raw, as_json=as_json))


@app.command()
def faq(
    ctx: typer.Context,
    name: NameArg,
    query: Annotated[
        list[str] | None, typer.Argument(help="Only questions or answers with these words.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """List a monograph's questions and answers.

    Example: medref faq colostrum allergy
    """
    _done(commands.faq(_settings(ctx), name, query or [], as_json=as_json))


@app.command("list")
def list_(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List every monograph: id, title, sections and source file.

    Example: medref list --json | jq -r '.[].id'
    """
    _done(commands.list_(_settings(ctx), as_json=as_json))


@app.command()
def search(
    ctx: typer.Context,
    query: Annotated[
        list[str], typer.Argument(help='Words; "a phrase", -exclude, prefix*.', show_default=False)
    ],
    section: SectionOpt = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, metavar="N", help="Most results shown.")
    ] = 10,
    all_sections: Annotated[
        bool, typer.Option("--all-sections", help="List every matching section.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Search every monograph, best matches first, with snippets.

    Example: medref search allergy --section precautions
    """
    _done(
        commands.search(_settings(ctx), query, section or [], limit, all_sections, as_json=as_json)
    )


@app.command()
def index(
    ctx: typer.Context,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Rebuild from scratch.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Show the index cache: path, monographs, build time and corpora.

    Example: medref index --rebuild
    """
    _done(commands.index(_settings(ctx), rebuild, as_json=as_json))


@app.command()
def paths(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Print each monograph folder in use and where it came from, highest precedence first.

    Example: MEDREF_PATH=~/my-monographs medref paths
    """
    _done(commands.paths(_settings(ctx), as_json=as_json))


@app.command()
def compare(
    ctx: typer.Context,
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
) -> None:
    """Compare monographs side by side (default: dosage, side effects, precautions).

    Example: medref compare ibuprofen acetaminophen -s dosage
    """
    _done(commands.compare(_settings(ctx), names, section or [], as_json=as_json))


@app.command()
def export(
    ctx: typer.Context,
    ids: Annotated[
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
        typer.Option("--out", "-o", help="Write to FILE instead of stdout.", metavar="FILE"),
    ] = None,
) -> None:
    """Dump monographs for scripts: JSON lines (default), one JSON array, or Markdown.

    Example: medref export --format jsonl | jq -r 'select(.aliases | length > 3) | .id'
    """
    _done(commands.export(_settings(ctx), ids or [], fmt.value, out_file))


@app.command()
def validate(
    ctx: typer.Context,
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Files or folders to check (default: every corpus in use).", show_default=False
        ),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Missing or empty sections are errors.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Check monograph files: front matter, sections, FAQs and unique names.

    Example: medref validate --strict monographs/
    """
    _done(commands.validate(_settings(ctx), paths or [], strict, as_json=as_json))


def run_typer() -> NoReturn:
    """Run the full Typer command line (help, completion and every command).

    With `--json`, a command-line error (a missing argument, an unknown option) is reported
    as the same JSON error object as every other error, with Click's exit code (2).
    """
    from medref.fastpath import hoist_globals, move_exclusions

    args = move_exclusions(hoist_globals(sys.argv[1:]))
    if "--json" not in args[: args.index("--") if "--" in args else len(args)]:
        app(args=args, prog_name="medref")
        sys.exit(0)  # pragma: no cover - app() always exits
    try:
        code = app(args=args, prog_name="medref", standalone_mode=False)
    except Exception as exc:
        # Click's exceptions (typer vendors Click privately) carry these two attributes.
        message = getattr(exc, "format_message", None)
        exit_code = getattr(exc, "exit_code", None)
        if not callable(message) or not isinstance(exit_code, int):
            raise
        from medref.errors import UsageError
        from medref.output import emit_error

        emit_error(UsageError(str(message())), as_json=True)
        sys.exit(exit_code)
    sys.exit(code if isinstance(code, int) else 0)
