"""What an import reports, and the progress callback the CLI (or a test) provides."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol


class ImportProgress(Protocol):
    """Progress of one task at a time: start it, advance it, finish it."""

    def start(self, task: str, total: int | None, unit: str) -> None: ...

    def advance(self, n: int) -> None: ...

    def finish(self) -> None: ...


@dataclass(slots=True)
class ImportSummary:
    """The outcome of `import_files`.

    `written` counts monograph files new in the folder, `updated` files whose content
    changed, `unchanged` files left as they were; `files` lists all three, sorted.
    `skipped` holds (source, one-line reason) for every file, record or field left out.
    `retitled` counts labels titled from their own text because their openfda block named
    another product.
    """

    out_dir: Path
    labels_read: int = 0
    written: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    retitled: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    @property
    def skipped_any(self) -> bool:
        return bool(self.skipped)

    @property
    def monographs(self) -> int:
        return self.written + self.updated + self.unchanged

    def to_dict(self) -> dict[str, Any]:
        return {
            "out_dir": str(self.out_dir),
            "labels_read": self.labels_read,
            "monographs": self.monographs,
            "written": self.written,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "retitled": self.retitled,
            "skipped": [{"source": s, "reason": r} for s, r in self.skipped],
            "files": [str(p) for p in self.files],
        }


class NoProgress:
    """An ImportProgress that shows nothing."""

    def start(self, task: str, total: int | None, unit: str) -> None:
        pass

    def advance(self, n: int) -> None:
        pass

    def finish(self) -> None:
        pass
