"""How medref ends on Ctrl-C, SIGTERM and SIGHUP, leaving nothing behind.

Ctrl-C raises KeyboardInterrupt and unwinds (`finally` blocks run). SIGTERM and SIGHUP end
the process at once with 128 + the signal's number, as a shell reports it, after running
the clean-ups registered here (a temporary build removed, the progress bar stopped and the
cursor shown): an exception raised at an arbitrary point could deadlock inside the pool of
parser processes. Steps that must not be cut in two (starting or stopping a progress bar)
run `uninterrupted`: a signal that arrives meanwhile takes effect when they end.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable, Iterator
from types import FrameType

_depth = 0  # how many `uninterrupted` blocks the main thread is in
_pending: list[int] = []
_cleanups: list[Callable[[], None]] = []


def install() -> None:
    """Handle SIGTERM and SIGHUP, and Ctrl-C unless it is ignored (a background job)."""
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _on_signal)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _on_signal)


@contextlib.contextmanager
def cleanup_on_termination(cleanup: Callable[[], None]) -> Iterator[None]:
    """Run cleanup if SIGTERM or SIGHUP ends the process during the block."""
    _cleanups.append(cleanup)
    try:
        yield
    finally:
        _cleanups.remove(cleanup)


def _on_signal(signum: int, _frame: FrameType | None) -> None:
    if _depth:
        _pending.append(signum)
        return
    _act(signum)


def _act(signum: int) -> None:
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    for cleanup in reversed(_cleanups):
        with contextlib.suppress(Exception):
            cleanup()
    os._exit(128 + signum)


@contextlib.contextmanager
def uninterrupted() -> Iterator[None]:
    """Run a block whole: a signal that arrives during it takes effect when it ends."""
    global _depth
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if not _depth and _pending:
            signum = _pending[0]
            _pending.clear()
            _act(signum)
