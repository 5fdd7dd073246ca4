"""Writing files whole: a reader sees the old file or the new one, never half of either."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


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
        import errno

        full = exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
        raise OutputProblem(
            f"cannot write {str(path)!r}: {exc.strerror or exc}",
            hint="free some space or lift the file-size limit"
            if full
            else "check the folder exists and is writable",
        ) from None
