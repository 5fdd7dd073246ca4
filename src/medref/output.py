"""Picks the output mode once (colour or plain, pager or not) and writes results.

stdout carries only data; warnings, progress and errors go to stderr.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from medref.errors import MedrefError
from medref.sanitize import safe_line
from medref.signals import cleanup_on_termination, uninterrupted

if TYPE_CHECKING:
    from rich.console import Console, RenderableType


# Spaces that Rich pads lines with, before any closing style codes at the end of a line.
_TRAILING = re.compile(r"[ ]+((?:\x1b\[[0-9;]*m)*)$", re.M)


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
    """COLUMNS, kept within what can be rendered (10**8 would hang); 0 says nothing about the
    width, so it is the default 80 (Rich would read it as no width at all)."""
    raw = os.environ.get("COLUMNS", "")
    if not (raw.isascii() and raw.isdigit()):
        return None
    if int(raw) == 0:
        return 80
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


def note(message: str) -> None:
    """Tell a person at a terminal what medref is doing (waiting, say); silent otherwise."""
    if _isatty(sys.stderr):
        print(f"medref: {safe_line(message)}", file=sys.stderr)


def warn(message: str) -> None:
    print(f"medref: warning: {safe_line(message)}", file=sys.stderr)


class Output:
    """How one command writes its results, decided once: JSON or text, colour, pager, width.

    stdout carries only data; warnings, progress and errors go to stderr.
    """

    def __init__(self, *, color: str = "auto", pager: bool | None = None, as_json: bool = False):
        self.tty = _isatty(sys.stdout)
        self.color = colour_wanted(color, self.tty)
        self.pager = pager  # None: page long output on a terminal
        self.as_json = as_json

    @functools.cached_property
    def width(self) -> int:
        """The width output is laid out at: COLUMNS, else the terminal's (stdout's, then
        stderr's or stdin's: a piped command in a terminal still fits it), else 80."""
        from_env = _width_from_env()
        if from_env:
            return from_env
        for fd in (1, 2, 0):
            try:
                columns = os.get_terminal_size(fd).columns
            except (OSError, ValueError):
                continue
            if columns:
                return columns
        return 80

    @property
    def layout(self) -> str:
        """Everything rendered text depends on besides what is rendered: colour, width and
        the characters stdout can take. Pages kept under one layout are reused only in it."""
        encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
        return f"{'colour' if self.color else 'plain'}:{self.width}:{encoding.lower()}"

    def json(self, data: Any) -> None:
        """JSON on one line for pipes (the fast C encoder), indented for people on a terminal."""
        indent = 2 if self.tty else None
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=indent) + "\n")

    def json_text(self, text: str) -> None:
        """JSON already encoded on one line: as it is into pipes, indented on a terminal."""
        if self.tty:
            self.json(json.loads(text))
        else:
            sys.stdout.write(text + "\n")

    def render(self, renderable: RenderableType) -> None:
        """Print a renderable: coloured on a terminal, plain otherwise, paged when long."""
        self.render_parts([renderable])

    def render_parts(
        self, parts: Iterable[RenderableType], keep: Callable[[str], None] | None = None
    ) -> None:
        """Print renderables one after another as they are made, so a long page is never
        held whole: into a pipe as each is laid out; on a terminal, into the pager once the
        output is longer than the screen.

        `keep`, if given, receives the text printed, once all of it was printed, when it is
        at most KEPT_CHARS long (to be shown again with `replay`).
        """
        with self._sink(record=keep is not None) as sink:
            console = make_console(self.color, file=sink, width=self.width)
            for part in parts:
                # Every part is laid out within the width, so cropping each line to it again
                # (Rich's default, a pass over every segment) changes nothing.
                console.print(part, crop=False)
        if keep is not None and sink.printed is not None:
            keep("".join(sink.printed))

    def replay(self, text: str) -> None:
        """Print text that render_parts printed before, in the same layout, paged alike."""
        with self._sink() as sink:
            sink.write(text)

    @contextlib.contextmanager
    def _sink(self, record: bool = False) -> Iterator[_Sink]:
        """Where rendered text goes (stdout or the pager), closed once all of it is written."""
        sink = _Sink(self.tty and self.pager is not False, self.pager, record)
        try:
            yield sink
        except BaseException:
            sink.abort()  # Ctrl-C or a closed pipe: leave no pager waiting for more
            raise
        sink.close()

    def source(self, text: str) -> None:
        """Source text as it is into pipes and files; neutralised where a terminal may read it."""
        from medref.sanitize import safe

        sys.stdout.write(safe(text) if self.tty or self.color else text)

    def lines(self, lines: Iterable[str]) -> None:
        """Plain lines of text, each made safe to print."""
        sys.stdout.write("".join(safe_line(line) + "\n" for line in lines))

    def error(self, err: MedrefError) -> int:
        """Report an error on stderr (as JSON with --json) and return its exit code."""
        if self.as_json:
            payload = {
                "error": {"code": err.code, "message": err.message, "suggestions": err.suggestions}
            }
            print(json.dumps(payload, ensure_ascii=False), file=sys.stderr)
        else:
            print(f"medref: {safe_line(err.line())}", file=sys.stderr)
        return err.exit_code


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


# Pages longer than this (rendered, in characters) are not kept for replay.
KEPT_CHARS = 1_000_000


class _Sink:
    """Where rendered text goes: stdout, or the pager once the text is longer than the screen.

    Takes the text of whole lines as Rich writes it, without the spaces Rich pads lines
    with. Text for the pager is held only until it fills a screen (or all of it when paging
    is forced).
    """

    def __init__(self, may_page: bool, force: bool | None, record: bool = False) -> None:
        self.force = bool(force)
        self.held: list[str] | None = [] if may_page else None
        self.held_lines = 0
        self.height = _terminal_height() if may_page else 0
        self.pager: Any = None
        # Everything written, while it is at most KEPT_CHARS long (render_parts' `keep`).
        self.printed: list[str] | None = [] if record else None
        self.printed_chars = 0

    def write(self, text: str) -> int:
        text = _TRAILING.sub(r"\1", text)
        if self.printed is not None:
            self.printed_chars += len(text)
            if self.printed_chars <= KEPT_CHARS:
                self.printed.append(text)
            else:
                self.printed = None  # too long to keep: a long page is never held whole
        if self.pager is not None:
            self._to_pager(text)
        elif self.held is None:
            sys.stdout.write(text)
        else:
            self.held.append(text)
            self.held_lines += text.count("\n")
            if self.force or self.held_lines >= self.height:
                self._start_pager()
        return len(text)

    def flush(self) -> None:
        if self.pager is None and self.held is None:
            sys.stdout.flush()

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:
        """stdout's, so Rich picks characters it can print (ASCII boxes for an ASCII stream)."""
        return getattr(sys.stdout, "encoding", None) or "utf-8"

    def _start_pager(self) -> None:
        held, self.held = "".join(self.held or ()), None
        self.pager = _start_pager()
        if self.pager is None:
            sys.stdout.write(held)  # no pager could be started: print it all
        else:
            self._to_pager(held)

    def _to_pager(self, text: str) -> None:
        stdin = self.pager.stdin
        if stdin is None or stdin.closed:
            return
        try:
            stdin.write(text.encode(sys.stdout.encoding or "utf-8", errors="replace"))
        except BrokenPipeError:
            stdin.close()  # the reader quit early: that is fine; the rest is not wanted

    def abort(self) -> None:
        """Stop: end the pager's input (it shows what it has) and wait for it."""
        self.held = None
        if self.pager is not None:
            with contextlib.suppress(OSError):
                self.pager.stdin.close()
            self.pager.wait()

    def close(self) -> None:
        if self.held is not None:
            if self.force or self.held_lines >= self.height:
                self._start_pager()
            else:
                sys.stdout.write("".join(self.held))
                self.held = None
        if self.pager is not None:
            with contextlib.suppress(BrokenPipeError):
                if not self.pager.stdin.closed:
                    self.pager.stdin.close()
            self.pager.wait()


def _start_pager() -> Any:
    """A pager reading its input from us, or None if none could be started."""
    import subprocess

    env = dict(os.environ)
    env.setdefault("LESS", "FRX")  # quit if one screen, keep colours, leave no screen clearing
    try:
        return subprocess.Popen(pager_command(), stdin=subprocess.PIPE, env=env)
    except OSError:
        return None


# Progress bars on the terminal now: stopped on every way out (stop_progress), so that the
# cursor they hide is shown again.
_live_bars: list[Any] = []
_cleanups = contextlib.ExitStack()  # stop_progress, registered while a bar is live


def _start_bar(bar: Any) -> None:
    with uninterrupted():
        if not _live_bars:
            _cleanups.enter_context(cleanup_on_termination(stop_progress))
        _live_bars.append(bar)
        bar.start()


def _stop_bar(bar: Any) -> None:
    with uninterrupted():
        with contextlib.suppress(ValueError):
            _live_bars.remove(bar)
        with contextlib.suppress(OSError, ValueError):  # a terminal that hung up
            bar.stop()
        if not _live_bars:
            _cleanups.close()


def stop_progress() -> None:
    """Stop every progress bar, restoring the terminal (the entry point calls this on exit,
    on Ctrl-C, SIGTERM and SIGHUP)."""
    for bar in list(_live_bars):
        _stop_bar(bar)


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
            _start_bar(self.bar)
            self.task = self.bar.add_task("indexing monographs", total=total)
        self.bar.update(self.task, completed=done, total=total)
        if done >= total:
            self.close()

    def close(self) -> None:
        if self.bar is not None:
            _stop_bar(self.bar)
            self.bar = None


class TaskProgress:
    """Progress bars on stderr for long tasks (downloads, imports); silent when not a terminal.

    Implements medref.openfda.ImportProgress.
    """

    def __init__(self) -> None:
        self.enabled = _isatty(sys.stderr)
        self.bar: Any = None
        self.task: Any = None

    def start(self, task: str, total: int | None, unit: str) -> None:
        if not self.enabled:
            return
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self.finish()
        count = DownloadColumn() if unit == "bytes" else MofNCompleteColumn()
        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            count,
            TimeRemainingColumn(),
            console=make_console(True, sys.stderr),
            transient=True,
        )
        _start_bar(self.bar)
        self.task = self.bar.add_task(task, total=total)

    def advance(self, n: int) -> None:
        if self.bar is not None:
            self.bar.advance(self.task, n)

    def finish(self) -> None:
        if self.bar is not None:
            _stop_bar(self.bar)
            self.bar = None
