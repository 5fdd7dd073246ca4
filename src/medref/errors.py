"""One exception tree; the CLI turns each into a message and an exit code in one place."""

from __future__ import annotations

# Exit codes, documented in the README.
EXIT_OK = 0
EXIT_NOT_FOUND = 1  # not found, no results, or validation errors
EXIT_USAGE = 2
EXIT_ENVIRONMENT = 3  # the machine lacks something medref needs (e.g. SQLite FTS5)
EXIT_IO = 4  # a file medref was asked to write (export --out) could not be written
EXIT_INTERRUPTED = 130


class MedrefError(Exception):
    """An error that medref reports as one line and an exit code."""

    code = "error"
    exit_code = EXIT_NOT_FOUND

    def __init__(
        self, message: str, *, hint: str | None = None, suggestions: list[str] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.suggestions = suggestions or []

    def line(self) -> str:
        text = self.message
        if self.suggestions:
            quoted = ", ".join(f"'{s}'" for s in self.suggestions)
            text += f"; did you mean {quoted}?"
        elif self.hint:
            text += f"; {self.hint}"
        return text


class NotFound(MedrefError):
    code = "not-found"
    exit_code = EXIT_NOT_FOUND


class UsageError(MedrefError):
    code = "usage"
    exit_code = EXIT_USAGE


class Ambiguous(UsageError):
    """A title or alias shared by several monographs: the user must give an id."""

    code = "ambiguous"


class EnvironmentProblem(MedrefError):
    code = "environment"
    exit_code = EXIT_ENVIRONMENT


class CacheProblem(MedrefError):
    """The index cache cannot be read (locked for too long, an I/O error) or stays damaged."""

    code = "cache"
    exit_code = EXIT_ENVIRONMENT


class OutputProblem(MedrefError):
    code = "io"
    exit_code = EXIT_IO


class DownloadProblem(MedrefError):
    """A download could not be completed or verified (network, size, zip or record count)."""

    code = "download"
    exit_code = EXIT_ENVIRONMENT
