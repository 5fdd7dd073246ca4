"""Console entry point: process-level conventions around the Typer command line."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import sys
from typing import NoReturn

from medref.errors import EXIT_INTERRUPTED, EXIT_IO

# Streams opened in place of closed descriptors, kept open for the life of the process.
_kept: list[object] = []


class _ClosedStdout(io.TextIOBase):
    """stdout when medref was started with it closed (`>&-`): writing data is an error, as
    for `cat`, while a command that writes nothing to stdout still succeeds."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if text:
            raise OSError(errno.EBADF, "standard output is closed")
        return 0


def _checked_streams() -> None:
    """Every byte written to stdout reaches it or raises; text the encoding cannot show is
    replaced, never a crash."""

    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is None:  # started with the descriptor closed
            # Keep the descriptor taken, so that no file medref opens later lands on it.
            placeholder = open(os.devnull, "w")  # noqa: SIM115
            setattr(sys, name, _ClosedStdout() if name == "stdout" else placeholder)
            _kept.append(placeholder)
        elif isinstance(stream, io.TextIOWrapper):
            if name == "stdout" and not isinstance(stream.buffer, io.BufferedWriter):
                # Unbuffered (python -u, PYTHONUNBUFFERED): the text layer writes straight to
                # the file, ignoring short writes (a file-size limit or a nearly full disk
                # takes part of a write without an error). A buffered writer retries the rest
                # and raises when nothing more can be written.
                raw = stream.detach()
                sys.stdout = io.TextIOWrapper(
                    io.BufferedWriter(raw),
                    encoding=stream.encoding,
                    errors="replace",
                    line_buffering=stream.line_buffering,
                    write_through=True,
                )
            else:
                stream.reconfigure(errors="replace")


def main() -> None:
    import signal

    # Die quietly when a reader such as `head` closes the pipe, like other Unix tools.
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    from medref import signals

    signals.install()  # Ctrl-C, SIGTERM and SIGHUP unwind: temp files go, the terminal is restored
    _checked_streams()
    try:
        from medref.cli import main as run

        try:
            run()
        except SystemExit as done:  # Typer always exits: flush first, below
            code = done.code
        _stop_progress()
        sys.stdout.flush()  # a full disk must fail here, not at exit with a traceback
        _exit(code)
    except KeyboardInterrupt:
        _stop_progress()
        sys.exit(EXIT_INTERRUPTED)
    except OSError as exc:  # writing our output failed: /dev/full, a full disk, an I/O error
        _stop_progress()
        _discard_stdout()
        reason = exc.strerror or type(exc).__name__
        print(f"medref: cannot write the output: {reason}", file=sys.stderr)
        sys.exit(EXIT_IO)


def _exit(code: str | int | None) -> NoReturn:
    """End the process at once, with everything written and closed.

    A speed trick, kept because docs/benchmarks.md shows it pays on every command (the
    `teardown` row): the interpreter's own exit tears down every loaded module (Typer's,
    Rich's), which costs more than a lookup itself. By now every file, pager, progress bar
    and index transaction has been closed by the code that opened it, and stdout is
    flushed; stderr is flushed here.
    """
    if code is None or isinstance(code, int):
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.flush()
        os._exit(code or 0)
    sys.exit(code)  # a message as the exit "code": Python prints it and exits 1


def _stop_progress() -> None:
    """Stop any progress bar, showing the cursor again (only if output.py was loaded)."""
    output = sys.modules.get("medref.output")
    if output is not None:
        output.stop_progress()


def _discard_stdout() -> None:
    """Point stdout at /dev/null, so the flush at exit has nowhere left to fail."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
