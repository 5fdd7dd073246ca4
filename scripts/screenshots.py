"""Regenerate the README's SVG screenshots with Rich's recording console.

Run: python scripts/screenshots.py   (writes docs/img/*.svg)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from rich.console import Console, RenderableType

from medref import render
from medref.corpus import discover
from medref.index import Index, open_index
from medref.index.search import search
from medref.sections import compare_keys, sections_for

OUT = Path(__file__).resolve().parent.parent / "docs" / "img"
WIDTH = 88


def _show(ix: Index) -> RenderableType:
    mono = ix.get("colostrum")
    return render.monograph(mono, mono.sections)


def _search(ix: Index) -> RenderableType:
    result = search(ix, "allergy", limit=5)
    return render.search_results(result)


def _compare(ix: Index) -> RenderableType:
    monos = [ix.get("ibuprofen"), ix.get("acetaminophen")]
    keys = compare_keys(monos, ["dosage"])
    return render.compare(monos, keys, [sections_for(m, keys) for m in monos], WIDTH)


SHOTS = {
    "show-colostrum": ("medref show colostrum", _show),
    "search-allergy": ("medref search allergy --limit 5", _search),
    "compare-ibuprofen-acetaminophen": (
        "medref compare ibuprofen acetaminophen -s dosage",
        _compare,
    ),
}


def svg(name: str, ix: Index) -> str:
    title, build = SHOTS[name]
    with open(os.devnull, "w") as sink:  # recorded, not shown
        console = Console(
            record=True, width=WIDTH, force_terminal=True, color_system="standard", file=sink
        )
        console.print(build(ix))
    return console.export_svg(title=title)


def bundled_index() -> Index:
    return open_index(discover([])[0])


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    ix = bundled_index()
    for name in SHOTS:
        path = OUT / f"{name}.svg"
        path.write_text(svg(name, ix), encoding="utf-8")
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
