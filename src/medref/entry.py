"""Console entry point: the fast path for everyday commands, Typer for everything else."""

from __future__ import annotations

import contextlib
import sys

from medref.errors import EXIT_IO


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


def _text_args(argv: list[str]) -> list[str]:
    """Arguments as valid text: bytes that are not UTF-8 become U+FFFD, except in paths."""
    out: list[str] = []
    path_next = False
    for arg in argv:
        if path_next or arg.startswith("--corpus=") or arg.startswith("--out="):
            out.append(arg)
        else:
            out.append(arg.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))
        path_next = arg in ("--corpus", "-c", "--out", "-o")
    return out


# Allocations between collections of the youngest garbage-collector generation (CPython's
# default is 700). A lookup allocates mostly objects that live as long as the process
# (modules, classes, functions), and scanning them every 700 allocations took about 9 ms of
# a 160 ms `show`; collections still happen, so long runs such as a big index build
# still reclaim reference cycles.
GC_YOUNG_THRESHOLD = 50_000


def main() -> None:
    import gc
    import signal

    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])

    # Die quietly when a reader such as `head` closes the pipe, like other Unix tools.
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    _tolerant_streams()
    try:
        from medref.fastpath import dispatch

        sys.argv[1:] = _text_args(sys.argv[1:])
        code = dispatch(sys.argv[1:])
        if code is None:
            from medref.cli import run_typer

            try:
                run_typer()
            except SystemExit as done:  # Typer always exits: flush first, below
                code = done.code  # type: ignore[assignment]
        sys.stdout.flush()  # a full disk must fail here, not at exit with a traceback
        sys.exit(code)
    except KeyboardInterrupt:
        sys.exit(130)
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
