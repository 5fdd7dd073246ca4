"""`medref export`: monographs as JSON lines, one JSON array, or their original Markdown."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from medref.errors import NotFound
from medref.models import Monograph

FORMATS = ("jsonl", "json", "md")


def export_text(monos: Sequence[Monograph], fmt: str) -> str:
    """The whole export as one text, so nothing is written unless all of it could be read."""
    if fmt == "jsonl":
        return "".join(json.dumps(m.to_dict(), ensure_ascii=False) + "\n" for m in monos)
    if fmt == "json":
        return json.dumps([m.to_dict() for m in monos], ensure_ascii=False, indent=2) + "\n"
    from medref.parse import read_text

    parts = []
    for m in monos:
        try:
            parts.append(read_text(Path(m.source))[0])
        except (OSError, ValueError) as exc:
            raise NotFound(
                f"cannot read the source of {m.id!r} ({exc})", hint="run 'medref index' to refresh"
            ) from None
    return "\n".join(p if p.endswith("\n") else p + "\n" for p in parts)
