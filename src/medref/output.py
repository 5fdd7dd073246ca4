"""Picks the output mode once (colour or plain, pager or not) and writes results.

stdout carries only data; warnings, progress and errors go to stderr.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from medref.errors import MedrefError
from medref.sanitize import safe_line

if TYPE_CHECKING:
    from rich.console import Console, RenderableType


# Spaces that Rich pads lines with, before any closing style codes at the end of a line.
_TRAILING = re.compile(r"[ ]+((?:\x1b\[[0-9;]*m)*)$", re.M)


class Settings:
    """Global options: where monographs come from, colour and paging."""

    def __init__(
        self, corpus_dirs: list[Path] | None = None, color: str = "auto", pager: bool | None = None
    ) -> None:
        self.corpus_dirs = corpus_dirs if corpus_dirs is not None else []
        self.color = color  # auto, always or never
        self.pager = pager  # None: page long output on a terminal


def colour_wanted(mode: str, isatty: bool) -> bool:
    """--color wins; then NO_COLOR and FORCE_COLOR; then whether stdout is a terminal."""
    if mode == "always":
        return True
    if mode == "never":
        return False
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return isatty


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def _width_from_env() -> int | None:
    """COLUMNS, kept within what can be rendered (0 would print nothing, 10**8 would hang)."""
    raw = os.environ.get("COLUMNS", "")
    if not (raw.isascii() and raw.isdigit()):
        return None
    return min(max(int(raw), 20), 1000)


def make_console(color: bool, file: Any = None, width: int | None = None) -> Console:
    from rich.console import Console

    width = width or _width_from_env()
    return Console(
        file=file or sys.stdout,
        color_system="standard" if color else None,
        force_terminal=color,
        no_color=not color,
        highlight=False,
        markup=False,
        emoji=False,
        width=width,
    )


def width() -> int:
    """The width output will be rendered at: the terminal's, COLUMNS, or 80."""
    return make_console(False).width


def write_file(path: Path, text: str) -> None:
    """Write text to path atomically: a reader never sees half a file.

    Devices and pipes are written in place, not replaced by a file.
    """
    import stat
    import tempfile

    from medref.errors import OutputProblem

    path = path.expanduser()
    target = Path(os.path.realpath(path))  # write through a symlink, not over it
    try:
        try:
            kind = os.stat(path).st_mode
        except FileNotFoundError:
            kind = stat.S_IFREG
        special = any(str(p).startswith(("/dev/", "/proc/")) for p in (path, target))
        if special or not stat.S_ISREG(kind):
            # A device, a pipe, a terminal or /dev/stdout (even when that is a redirected
            # file): write into it, never replace it; a folder fails here with a clear error.
            with open(path, "a", encoding="utf-8") as fh:  # "w" would truncate a redirect
                fh.write(text)
            return
        try:
            mode = target.stat().st_mode & 0o7777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.chmod(tmp, mode)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError as exc:
        raise OutputProblem(
            f"cannot write {str(path)!r}: {exc.strerror or exc}",
            hint="check the folder exists and is writable",
        ) from None


def warn(message: str) -> None:
    print(f"medref: warning: {safe_line(message)}", file=sys.stderr)


def emit_json(data: Any, *, stream: Any = None) -> None:
    """JSON on one line for pipes (the fast C encoder), indented for people on a terminal."""
    out = stream or sys.stdout
    indent = 2 if _isatty(out) else None
    out.write(json.dumps(data, ensure_ascii=False, indent=indent) + "\n")


def emit_error(err: MedrefError, as_json: bool) -> None:
    if as_json:
        payload = {
            "error": {"code": err.code, "message": err.message, "suggestions": err.suggestions}
        }
        print(json.dumps(payload, ensure_ascii=False), file=sys.stderr)
    else:
        print(f"medref: {safe_line(err.line())}", file=sys.stderr)


def pager_command() -> list[str]:
    import shlex

    raw = os.environ.get("MEDREF_PAGER") or os.environ.get("PAGER") or "less -R"
    try:
        return shlex.split(raw)
    except ValueError:
        return ["less", "-R"]


def _terminal_height() -> int:
    try:
        return os.get_terminal_size(sys.stdout.fileno()).lines
    except (OSError, ValueError, AttributeError):
        return 24


def render(renderable: RenderableType, settings: Settings) -> None:
    """Print a renderable: coloured on a terminal, plain otherwise, paged when long."""
    tty = _isatty(sys.stdout)
    color = colour_wanted(settings.color, tty)
    console = make_console(color)
    with console.capture() as cap:
        console.print(renderable)
    text = _TRAILING.sub(r"\1", cap.get())
    want_pager = tty and settings.pager is not False
    long = settings.pager or text.count("\n") >= _terminal_height()
    if want_pager and long and _page(text):
        return
    sys.stdout.write(text)


def _page(text: str) -> bool:
    """Send text through the pager; False if no pager could be started."""
    import subprocess

    env = dict(os.environ)
    env.setdefault("LESS", "FRX")  # quit if one screen, keep colours, leave no screen clearing
    try:
        proc = subprocess.Popen(pager_command(), stdin=subprocess.PIPE, env=env)
    except OSError:
        return False
    assert proc.stdin is not None
    try:
        proc.stdin.write(text.encode(sys.stdout.encoding or "utf-8", errors="replace"))
        proc.stdin.close()
    except BrokenPipeError:
        pass  # the reader quit early: that is fine
    proc.wait()
    return True


def write_source(text: str, settings: Settings) -> None:
    """Source text as it is into pipes and files; neutralised wherever a terminal may read it."""
    from medref.sanitize import safe

    tty = _isatty(sys.stdout)
    sys.stdout.write(safe(text) if tty or colour_wanted(settings.color, tty) else text)


class BuildProgress:
    """A progress bar on stderr, shown only for builds that take more than about a second."""

    def __init__(self) -> None:
        self.start = time.monotonic()
        self.enabled = _isatty(sys.stderr)
        self.bar: Any = None
        self.task: Any = None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            if time.monotonic() - self.start < 1.0 or done >= total:
                return
            from rich.progress import Progress

            self.bar = Progress(console=make_console(True, sys.stderr), transient=True)
            self.bar.start()
            self.task = self.bar.add_task("indexing monographs", total=total)
        self.bar.update(self.task, completed=done, total=total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None
