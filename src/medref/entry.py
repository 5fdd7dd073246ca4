"""Console entry point: process-level conventions around the Typer command line."""

from __future__ import annotations

import contextlib
import sys

from medref.errors import EXIT_INTERRUPTED, EXIT_IO


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
    import signal

    # Die quietly when a reader such as `head` closes the pipe, like other Unix tools.
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    _tolerant_streams()
    try:
        from medref.cli import main as run

        try:
            run()
        except SystemExit as done:  # Typer always exits: flush first, below
            code = done.code
        sys.stdout.flush()  # a full disk must fail here, not at exit with a traceback
        sys.exit(code)
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)
    except OSError as exc:  # writing our output failed: /dev/full, a full disk, an I/O error
        _discard_stdout()
        reason = exc.strerror or type(exc).__name__
        print(f"medref: cannot write the output: {reason}", file=sys.stderr)
        sys.exit(EXIT_IO)


def _discard_stdout() -> None:
    """Point stdout at /dev/null, so the flush at exit has nowhere left to fail."""
    import os

    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
