"""How medref ends on Ctrl-C, SIGTERM and SIGHUP: by unwinding, like an exception.

Each becomes an exception raised where the main thread is, so that `finally` blocks run:
a half-written build is removed and the terminal restored (progress bars). Steps that must
not be cut in two (starting or stopping a progress bar) run `uninterrupted`: a signal that
arrives meanwhile is raised when they end.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from types import FrameType


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived; the process exits 128 + its number, as a shell reports it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


_depth = 0  # how many `uninterrupted` blocks the main thread is in
_pending: list[int] = []


def install() -> None:
    """Handle SIGTERM and SIGHUP, and Ctrl-C unless it is ignored (a background job)."""
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _on_signal)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _on_signal)


def _on_signal(signum: int, _frame: FrameType | None) -> None:
    if _depth:
        _pending.append(signum)
        return
    _raise(signum)


def _raise(signum: int) -> None:
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise Terminated(signum)


@contextlib.contextmanager
def uninterrupted() -> Iterator[None]:
    """Run a block whole: a signal that arrives during it is raised when it ends."""
    global _depth
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if not _depth and _pending:
            signum = _pending[0]
            _pending.clear()
            _raise(signum)
