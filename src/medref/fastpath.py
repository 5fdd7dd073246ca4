"""Start-up fast path: the everyday commands without importing Typer.

Typer and its Click core cost more at start-up than the whole of a lookup, so `show`,
`faq`, `search` and `list` with their plain options are dispatched here. Anything this
parser does not fully understand (help, completion, `--`, an unknown or malformed option)
returns None, and the full Typer command line handles it, errors and all. Both paths call
the same functions in commands.py; tests check that they print the same.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from medref.output import Settings

COLORS = ("auto", "always", "never")
# Options that take a value, per command; flags are the rest.
VALUE_OPTIONS = {
    "show": {"-s": "section", "--section": "section"},
    "faq": {},
    "search": {"-s": "section", "--section": "section", "-n": "limit", "--limit": "limit"},
    "list": {},
}
FLAGS = {
    "show": {"--json": "as_json", "--raw": "raw"},
    "faq": {"--json": "as_json"},
    "search": {"--json": "as_json", "--all-sections": "all_sections"},
    "list": {"--json": "as_json"},
}
POSITIONALS = {"show": (1, 1), "faq": (1, None), "search": (1, None), "list": (0, 0)}


# In `search`, a single-dash word is an exclusion ("-milk"), except these short options.
SEARCH_SHORT = ("-s", "-n", "-h")


def is_exclusion(arg: str) -> bool:
    return (
        len(arg) > 1
        and arg[0] == "-"
        and arg[1] != "-"
        and arg not in SEARCH_SHORT
        and not _attached_limit(arg)
    )


def _attached_limit(arg: str) -> bool:
    """`-n5`: the limit option with its value attached, as short options allow."""
    return arg.startswith("-n") and arg[2:].isascii() and arg[2:].isdigit()


# Global options that may also follow the command (`medref show x --color never`).
GLOBAL_VALUE_OPTIONS = ("--corpus", "--color")
GLOBAL_FLAGS = ("--pager", "--no-pager")
# Every command's options that take a value: the word after one is never a global option.
COMMAND_VALUE_OPTIONS = ("-s", "--section", "-n", "--limit", "-f", "--format", "-o", "--out")


def hoist_globals(argv: list[str]) -> list[str]:
    """Move global options given after the command to before it, where Typer reads them.

    Only the long forms move (in `search`, "-c" is the exclusion of a word); nothing after
    `--` moves, nor the value of a command's own option. A global option without its value
    stays put, so the usual error reports it.
    """
    i = 0
    while i < len(argv) and argv[i].startswith("-") and argv[i] != "--":
        value_next = argv[i] in (*GLOBAL_VALUE_OPTIONS, "-c")
        i += 2 if value_next else 1
    if i >= len(argv) - 1 or argv[i] == "--":
        return argv
    moved: list[str] = []
    kept: list[str] = []
    rest = argv[i + 1 :]
    j = 0
    while j < len(rest):
        arg = rest[j]
        name = arg.partition("=")[0] if arg.startswith("--") else arg
        if arg == "--":
            kept += rest[j:]
            break
        if arg in GLOBAL_FLAGS or (name in GLOBAL_VALUE_OPTIONS and "=" in arg):
            moved.append(arg)
            j += 1
        elif arg in GLOBAL_VALUE_OPTIONS and j + 1 < len(rest):
            moved += rest[j : j + 2]
            j += 2
        elif arg in COMMAND_VALUE_OPTIONS and j + 1 < len(rest):
            kept += rest[j : j + 2]
            j += 2
        else:
            kept.append(arg)
            j += 1
    if not moved:
        return argv
    return [*argv[:i], *moved, argv[i], *kept]


def move_exclusions(argv: list[str]) -> list[str]:
    """For Typer: put `search` exclusions after `--`, so "-sugar" is not read as "-s ugar"."""
    if "search" not in argv:
        return argv
    at = argv.index("search")
    head, rest = argv[: at + 1], argv[at + 1 :]
    if "--" in rest:
        cut = rest.index("--")
        rest, tail = rest[:cut], rest[cut + 1 :]
    else:
        tail = []
    words: list[str] = []
    kept: list[str] = []
    skip = False
    for arg in rest:
        if skip:
            kept.append(arg)
            skip = False
        elif arg in ("-s", "--section", "-n", "--limit"):
            kept.append(arg)
            skip = True
        elif is_exclusion(arg):
            words.append(arg)
        else:
            kept.append(arg)
    if not words:
        return argv
    return [*head, *kept, "--", *words, *tail]


def _split(arg: str) -> tuple[str, str | None]:
    if arg.startswith("--") and "=" in arg:
        name, _, value = arg.partition("=")
        return name, value
    return arg, None


def _value(args: list[str], k: int, inline: str | None) -> tuple[str | None, int]:
    """The value of the option at args[k] (None if it has none) and the index after it."""
    if inline is not None:
        return inline, k + 1
    if k + 1 >= len(args) or args[k + 1].startswith("-"):
        return None, k + 1
    return args[k + 1], k + 2


def parse(argv: list[str]) -> tuple[str, Settings, dict[str, object], list[str]] | None:
    """(command, settings, options, positionals), or None to leave argv to Typer."""
    if any(k.startswith("_MEDREF_COMPLETE") for k in os.environ):
        return None
    settings = Settings()
    i = 0
    while i < len(argv) and argv[i].startswith("-"):
        name, value = _split(argv[i])
        if name in ("--pager", "--no-pager") and value is None:
            settings.pager = name == "--pager"
            i += 1
            continue
        if name not in ("--corpus", "-c", "--color"):
            return None
        value, i = _value(argv, i, value)
        if value is None:
            return None
        if name == "--color":
            if value not in COLORS:
                return None
            settings.color = value
        else:
            settings.corpus_dirs.append(Path(value))
    if i >= len(argv) or argv[i] not in POSITIONALS:
        return None
    command = argv[i]
    options: dict[str, object] = {"section": []}
    positionals: list[str] = []
    rest = argv[i + 1 :]
    j = 0
    while j < len(rest):
        arg = rest[j]
        if not arg.startswith("-") or arg == "-" or (command == "search" and is_exclusion(arg)):
            positionals.append(arg)
            j += 1
            continue
        name, value = (
            ("-n", arg[2:]) if command == "search" and _attached_limit(arg) else _split(arg)
        )
        if name in FLAGS[command] and value is None:
            options[FLAGS[command][name]] = True
            j += 1
            continue
        key = VALUE_OPTIONS[command].get(name)
        if key is None:
            return None
        value, j = _value(rest, j, value)
        if value is None:
            return None
        if key == "limit":
            if not (value.isascii() and value.isdigit()) or int(value) < 1:
                return None
            options["limit"] = int(value)
        else:
            options["section"].append(value)  # type: ignore[attr-defined]
    low, high = POSITIONALS[command]
    if len(positionals) < low or (high is not None and len(positionals) > high):
        return None
    return command, settings, options, positionals


def dispatch(argv: list[str]) -> int | None:
    """Run argv on the fast path and return its exit code, or None if it is not for us."""
    parsed = parse(hoist_globals(argv))
    if parsed is None:
        return None
    command, settings, opts, pos = parsed
    from medref import commands

    as_json = bool(opts.get("as_json"))
    limit = opts.get("limit", 10)
    assert isinstance(limit, int)
    sections: list[str] = opts["section"]  # type: ignore[assignment]
    runners: dict[str, Callable[[], int]] = {
        "show": lambda: commands.show(
            settings, pos[0], sections, bool(opts.get("raw")), as_json=as_json
        ),
        "faq": lambda: commands.faq(settings, pos[0], pos[1:], as_json=as_json),
        "search": lambda: commands.search(
            settings, pos, sections, limit, bool(opts.get("all_sections")), as_json=as_json
        ),
        "list": lambda: commands.list_(settings, as_json=as_json),
    }
    return runners[command]()
