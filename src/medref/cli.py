"""The Typer command line: each command validates, calls one core function, and emits."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from medref import __version__
from medref.errors import MedrefError
from medref.output import Settings

F = TypeVar("F", bound=Callable[..., Any])

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


def reports_errors(func: F) -> F:
    """Turn MedrefError into one line on stderr (or JSON) and its exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except MedrefError as err:
            from medref.output import emit_error

            emit_error(err, bool(kwargs.get("as_json")))
            raise typer.Exit(err.exit_code) from None

    return wrapper  # type: ignore[return-value]


def _index(ctx: typer.Context, action: Callable[[Any], Any]) -> Any:
    from medref.corpus import discover
    from medref.index import with_index
    from medref.output import BuildProgress, warn

    settings = _settings(ctx)
    corpora, warnings = discover(settings.corpus_dirs)
    for w in warnings:
        warn(w)
    progress = BuildProgress()
    try:
        return with_index(corpora, action, progress=progress, warn=warn)
    finally:
        progress.close()


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
@reports_errors
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
    from medref.sections import select

    mono = _index(ctx, lambda ix: ix.get(name))
    chosen, missing = select(mono, section or [])
    if not section:
        chosen = mono.sections
    _warn_missing(mono.id, missing)
    if as_json:
        from medref.output import emit_json

        emit_json(mono.to_dict(chosen if section else None))
    elif raw:
        from medref.output import _isatty, colour_wanted, write_text

        # Exact bytes for pipes and files; neutralised wherever a terminal may read them.
        tty = _isatty(sys.stdout)
        text = "\n\n".join(s.markdown for s in chosen) + "\n"
        write_text(text, sanitize=tty or colour_wanted(_settings(ctx).color, tty))
    else:
        from medref import render
        from medref.output import render as out

        out(render.monograph(mono, chosen), _settings(ctx))


def _warn_missing(mono_id: str, missing: list[str]) -> None:
    if missing:
        from medref.output import warn

        warn(f"{mono_id} has no {', '.join(repr(m) for m in missing)} section; left out")


@app.command()
@reports_errors
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
    from medref.sections import filter_faqs

    mono = _index(ctx, lambda ix: ix.get(name))
    text = " ".join(query or []) or None
    faqs = filter_faqs(mono.faqs, text)
    if as_json:
        from medref.output import emit_json

        emit_json(mono.faq_dict(faqs))
    else:
        from medref import render
        from medref.output import render as out

        out(render.faqs(mono, faqs, text), _settings(ctx))
    if text and not faqs:
        raise typer.Exit(1)


@app.command("list")
@reports_errors
def list_(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List every monograph: id, title, sections and source file.

    Example: medref list --json | jq -r '.[].id'
    """
    rows = _index(ctx, lambda ix: ix.summaries())
    if as_json:
        from medref.output import emit_json

        emit_json(rows)
        return
    from medref.output import _isatty

    if not _isatty(sys.stdout):
        from medref.sanitize import safe_line

        sys.stdout.write(
            "".join(
                f"{safe_line(r['id'])}\t{safe_line(r['title'])}\t{','.join(r['sections'])}"
                f"\t{safe_line(r['source'])}\n"
                for r in rows
            )
        )
        return
    from medref import render
    from medref.output import render as out

    out(render.listing(rows), _settings(ctx))


@app.command(context_settings={"ignore_unknown_options": True})
@reports_errors
def search(
    ctx: typer.Context,
    query: Annotated[
        list[str], typer.Argument(help='Words; "a phrase", -exclude, prefix*.', show_default=False)
    ],
    section: SectionOpt = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Most results shown.")] = 10,
    all_sections: Annotated[
        bool, typer.Option("--all-sections", help="List every matching section.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Search every monograph, best matches first, with snippets.

    Example: medref search allergy --section precautions
    """
    from medref.names import slugify
    from medref.search import search as run_search
    from medref.sections import canonical_request

    keys = [canonical_request(s) or slugify(s) for s in section or []]
    text = " ".join(query)
    result, parsed = _index(
        ctx,
        lambda ix: run_search(
            ix, text, sections=keys or None, limit=limit, all_sections=all_sections
        ),
    )
    notes = ["query cut to its first 16 words"] if parsed.truncated else []
    if as_json:
        from medref.output import emit_json

        emit_json(result.to_dict())
    else:
        from medref import render
        from medref.output import render as out

        if result.hits:
            out(render.search_results(result, notes), _settings(ctx))
        else:
            from medref.sanitize import safe_line

            print(f"medref: no results for {safe_line(text)!r}", file=sys.stderr)
    if not result.hits:
        raise typer.Exit(1)


@app.command()
@reports_errors
def index(
    ctx: typer.Context,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Rebuild from scratch.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Show the index cache: path, monographs, build time and corpora.

    Example: medref index --rebuild
    """
    from medref.corpus import discover
    from medref.index import open_index
    from medref.output import BuildProgress, warn

    corpora, warnings = discover(_settings(ctx).corpus_dirs)
    for w in warnings:
        warn(w)
    progress = BuildProgress()
    try:
        ix = open_index(corpora, rebuild=rebuild, progress=progress, warn=warn)
    finally:
        progress.close()
    info = ix.info()
    if as_json:
        from medref.output import emit_json

        emit_json(info)
        return
    pairs = [
        ("cache", info["path"]),
        ("monographs", f"{info['monographs']} (from {info['files']} files)"),
        ("built", str(info["built"])),
        ("updated", str(info["updated"])),
    ]
    for c in info["corpora"]:
        pairs.append(("corpus", f"{c['path']}  [{c['origin']}, {c['monographs']} monographs]"))
    for r in info["renamed"]:
        pairs.append(("renamed", f"{r['source']} -> id '{r['id']}' (its stem is taken)"))
    for o in info["overridden"]:
        pairs.append(("overridden", f"{o['source']} (id '{o['id']}' comes from an earlier corpus)"))
    if info["unreadable"]:
        pairs.append(("unreadable", f"{info['unreadable']} files; run 'medref validate'"))
    from medref import render
    from medref.output import render as out

    out(render.key_values(pairs), _settings(ctx))


@app.command()
@reports_errors
def paths(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Print each monograph folder in use and where it came from, highest precedence first.

    Example: MEDREF_PATH=~/my-monographs medref paths
    """
    from medref.corpus import cache_dir, discover
    from medref.output import warn

    corpora, warnings = discover(_settings(ctx).corpus_dirs)
    for w in warnings:
        warn(w)
    rows = [{"path": str(c.path), "origin": c.origin} for c in corpora]
    if as_json:
        from medref.output import emit_json

        emit_json({"corpora": rows, "cache_dir": str(cache_dir())})
        return
    from medref.sanitize import safe_line

    for r in rows:
        print(f"{safe_line(r['path'])}\t{r['origin']}")


@app.command()
@reports_errors
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
    from medref.errors import UsageError
    from medref.sections import compare_keys, sections_for

    if len(names) < 2:
        raise UsageError(
            "compare needs at least two monographs", hint="e.g. 'medref compare ibuprofen naproxen'"
        )
    monos = _index(ctx, lambda ix: [ix.get(n) for n in names])
    keys = compare_keys(monos, section or [])
    chosen = [sections_for(m, keys) for m in monos]
    if as_json:
        from medref.output import emit_json

        emit_json(
            {
                "sections": keys,
                "monographs": [m.to_dict(c) for m, c in zip(monos, chosen, strict=True)],
            }
        )
        return
    from medref import render
    from medref.output import render as out
    from medref.output import width

    out(render.compare(monos, keys, chosen, width()), _settings(ctx))


@app.command()
@reports_errors
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
    import json

    def collect(ix: Any) -> list[Any]:
        return [ix.get(n) for n in ids] if ids else list(ix.all())

    monos = _index(ctx, collect)
    if fmt is ExportFormat.jsonl:
        text = "".join(json.dumps(m.to_dict(), ensure_ascii=False) + "\n" for m in monos)
    elif fmt is ExportFormat.json:
        text = json.dumps([m.to_dict() for m in monos], ensure_ascii=False, indent=2) + "\n"
    else:
        from medref.errors import NotFound
        from medref.parse import read_text

        parts = []
        for m in monos:
            try:
                parts.append(read_text(Path(m.source))[0])
            except (OSError, ValueError) as exc:
                raise NotFound(
                    f"cannot read the source of {m.id!r} ({exc})",
                    hint="run 'medref index' to refresh",
                ) from None
        text = "\n".join(p if p.endswith("\n") else p + "\n" for p in parts)
    if out_file is not None:
        from medref.output import write_file

        write_file(out_file, text)
    else:
        sys.stdout.write(text)


@app.command()
@reports_errors
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
    from medref.corpus import discover
    from medref.validate import validate as run_validate

    corpora, _warnings = discover(_settings(ctx).corpus_dirs)
    findings = run_validate(paths, corpora, strict)
    errors = sum(f.level == "error" for f in findings)
    if as_json:
        from medref.output import emit_json

        emit_json([f.to_dict() for f in findings])
    else:
        from medref.sanitize import safe_line

        for f in findings:
            print(safe_line(str(f)))
        warnings = len(findings) - errors
        print(f"{errors} errors, {warnings} warnings", file=sys.stderr)
    if errors:
        raise typer.Exit(1)


def _tolerant_streams() -> None:
    """Never crash on text the terminal's encoding cannot show; never write to a closed fd."""
    import io
    import os

    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is None:  # started with the descriptor closed
            setattr(sys, name, open(os.devnull, "w"))  # noqa: SIM115
        elif isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="replace")


def main() -> None:
    """Console entry point."""
    import signal

    # Die quietly when a reader such as `head` closes the pipe, like other Unix tools.
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    _tolerant_streams()
    try:
        app(prog_name="medref")
    except KeyboardInterrupt:
        sys.exit(130)
