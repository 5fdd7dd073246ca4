"""What each command does, independent of how its arguments were parsed.

The Typer layer (cli.py) and the start-up fast path (fastpath.py) both call these. Each
returns the exit code; errors become one line on stderr (or JSON) in `reports_errors`.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from medref.errors import MedrefError
from medref.output import Settings

F = TypeVar("F", bound=Callable[..., int])


def reports_errors(func: F) -> F:
    """Turn MedrefError into one line on stderr (or JSON) and its exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> int:
        try:
            return func(*args, **kwargs)
        except MedrefError as err:
            from medref.output import emit_error

            emit_error(err, bool(kwargs.get("as_json")))
            return err.exit_code

    return wrapper  # type: ignore[return-value]


def with_index(settings: Settings, action: Callable[[Any], Any], *, lookup: bool = False) -> Any:
    from medref.corpus import discover
    from medref.index import with_index as run
    from medref.output import BuildProgress, warn

    corpora, warnings = discover(settings.corpus_dirs)
    for w in warnings:
        warn(w)
    progress = BuildProgress()
    try:
        return run(corpora, action, progress=progress, warn=warn, lookup=lookup)
    finally:
        progress.close()


def _emit_json(data: Any) -> int:
    from medref.output import emit_json

    emit_json(data)
    return 0


def _render(renderable: Any, settings: Settings) -> int:
    from medref.output import render

    render(renderable, settings)
    return 0


@reports_errors
def show(
    settings: Settings, name: str, sections: list[str], raw: bool = False, *, as_json: bool = False
) -> int:
    from medref.sections import select

    mono = with_index(settings, lambda ix: ix.get(name), lookup=True)
    chosen, missing = select(mono, sections)
    if missing:
        from medref.output import warn

        warn(f"{mono.id} has no {', '.join(repr(m) for m in missing)} section; left out")
    if as_json:
        return _emit_json(mono.to_dict(chosen if sections else None))
    shown = chosen if sections else mono.sections
    if raw:
        from medref.output import write_source

        write_source("\n\n".join(s.markdown for s in shown) + "\n", settings)
        return 0
    from medref import render

    return _render(render.monograph(mono, shown), settings)


@reports_errors
def faq(settings: Settings, name: str, words: list[str], *, as_json: bool = False) -> int:
    from medref.sections import filter_faqs

    mono = with_index(settings, lambda ix: ix.get(name), lookup=True)
    text = " ".join(words) or None
    faqs = filter_faqs(mono.faqs, text)
    if as_json:
        _emit_json(mono.faq_dict(faqs))
    else:
        from medref import render

        _render(render.faqs(mono, faqs, text), settings)
    return 1 if text and not faqs else 0


@reports_errors
def list_(settings: Settings, *, as_json: bool = False) -> int:
    from medref.output import _isatty

    if as_json and not _isatty(sys.stdout):  # stored ready-made: no decoding and encoding
        sys.stdout.write(with_index(settings, lambda ix: ix.listing_json()) + "\n")
        return 0
    rows = with_index(settings, lambda ix: ix.summaries())
    if as_json:
        return _emit_json(rows)

    if not _isatty(sys.stdout):
        from medref.sanitize import safe_line

        def cell(value: str) -> str:
            return safe_line(value).replace("\t", "\\t")

        sys.stdout.write(
            "".join(
                f"{cell(r['id'])}\t{cell(r['title'])}\t{','.join(r['sections'])}\t{cell(r['source'])}\n"
                for r in rows
            )
        )
        return 0
    from medref import render

    return _render(render.listing(rows), settings)


@reports_errors
def search(
    settings: Settings,
    words: list[str],
    sections: list[str],
    limit: int = 10,
    all_sections: bool = False,
    *,
    as_json: bool = False,
) -> int:
    from medref.names import slugify
    from medref.search import parse_query
    from medref.search import search as run_search
    from medref.sections import canonical_request

    keys = [canonical_request(s) or slugify(s) for s in sections]
    text = " ".join(words)
    query = parse_query(text)
    if query.terms and not query.positive:
        from medref.errors import UsageError

        raise UsageError(
            "a search needs a word to look for, not only exclusions",
            hint="e.g. 'medref search allergy -milk'",
        )

    def run(ix: Any) -> Any:  # one index open (and freshness check) for both steps
        if keys:
            from medref.errors import UsageError

            known = set(ix.section_keys())
            unknown = [s for s, k in zip(sections, keys, strict=True) if k not in known]
            if unknown:
                raise UsageError(
                    f"unknown section {unknown[0]!r}",
                    hint="sections are: " + ", ".join(sorted(known)),
                )
        return run_search(ix, text, sections=keys or None, limit=limit, all_sections=all_sections)

    result, parsed = with_index(settings, run)
    if as_json:
        _emit_json(result.to_dict())
    elif result.hits:
        from medref import render

        notes = ["query cut to its first 16 words"] if parsed.truncated else []
        _render(render.search_results(result, notes), settings)
    else:
        from medref.sanitize import safe_line

        print(f"medref: no results for {safe_line(text)!r}", file=sys.stderr)
    return 0 if result.hits else 1


@reports_errors
def index(settings: Settings, rebuild: bool = False, *, as_json: bool = False) -> int:
    from medref.corpus import discover
    from medref.index import open_index
    from medref.output import BuildProgress, warn

    corpora, warnings = discover(settings.corpus_dirs)
    for w in warnings:
        warn(w)
    progress = BuildProgress()
    try:
        ix = open_index(corpora, rebuild=rebuild, full_check=True, progress=progress, warn=warn)
    finally:
        progress.close()
    info = ix.info()
    if as_json:
        return _emit_json(info)
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

    return _render(render.key_values(pairs), settings)


@reports_errors
def paths(settings: Settings, *, as_json: bool = False) -> int:
    from medref.corpus import cache_dir, discover
    from medref.output import warn

    corpora, warnings = discover(settings.corpus_dirs)
    for w in warnings:
        warn(w)
    rows = [{"path": str(c.path), "origin": c.origin} for c in corpora]
    if as_json:
        return _emit_json({"corpora": rows, "cache_dir": str(cache_dir())})
    from medref.sanitize import safe_line

    for r in rows:
        print(f"{safe_line(r['path'])}\t{r['origin']}")
    return 0


@reports_errors
def compare(
    settings: Settings, names: list[str], sections: list[str], *, as_json: bool = False
) -> int:
    from medref.errors import UsageError
    from medref.sections import compare_keys, sections_for

    if len(names) < 2:
        raise UsageError(
            "compare needs at least two monographs", hint="e.g. 'medref compare ibuprofen naproxen'"
        )
    found = with_index(settings, lambda ix: [ix.get(n) for n in names], lookup=True)
    monos = list({m.id: m for m in found}.values())  # `ibuprofen advil` is one monograph
    if len(monos) < 2:
        raise UsageError(
            f"{' and '.join(repr(n) for n in names)} {'both' if len(names) == 2 else 'all'}"
            f" name {monos[0].id}",
            hint="compare needs at least two different monographs",
        )
    keys = compare_keys(monos, sections)
    chosen = [sections_for(m, keys) for m in monos]
    if as_json:
        return _emit_json(
            {
                "sections": keys,
                "monographs": [m.to_dict(c) for m, c in zip(monos, chosen, strict=True)],
            }
        )
    from medref import render
    from medref.output import width

    return _render(render.compare(monos, keys, chosen, width()), settings)


@reports_errors
def export(settings: Settings, ids: list[str], fmt: str, out_file: Path | None) -> int:
    import json

    def collect(ix: Any) -> list[Any]:
        if not ids:
            return list(ix.all())
        return list({m.id: m for m in (ix.get(n) for n in ids)}.values())  # each once

    monos = with_index(settings, collect)
    if fmt == "jsonl":
        text = "".join(json.dumps(m.to_dict(), ensure_ascii=False) + "\n" for m in monos)
    elif fmt == "json":
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
        from medref.output import write_source

        write_source(text, settings)  # JSON escapes C0 controls, not bidi or C1 ones
    return 0


@reports_errors
def validate(
    settings: Settings, paths: list[Path], strict: bool = False, *, as_json: bool = False
) -> int:
    from medref.corpus import discover
    from medref.validate import validate as run_validate

    corpora, _warnings = discover(settings.corpus_dirs)
    findings = run_validate(paths or None, corpora, strict)
    errors = sum(f.level == "error" for f in findings)
    if as_json:
        _emit_json([f.to_dict() for f in findings])
    else:
        from medref.sanitize import safe_line

        for f in findings:
            print(safe_line(str(f)))
        warnings = len(findings) - errors
        print(
            f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}",
            file=sys.stderr,
        )
    return 1 if errors else 0
