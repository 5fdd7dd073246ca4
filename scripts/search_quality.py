"""Search quality on the bundled corpus: medref against a whole-file bm25 baseline.

Reads the judged set (docs/search-judgments.yaml), runs every query through medref's search
and through a bare FTS5 table of the raw files (medref's tokenizer, query syntax and spelling
list, ranked by bm25 alone), and writes nDCG@10 and P@5 of both to docs/search-quality.md,
with the name and typo table of tests/test_search.py (where each expected monograph ranks).

    python scripts/search_quality.py [--out FILE]
"""

from __future__ import annotations

import argparse
import math
import os
import sqlite3
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
JUDGMENTS = REPO / "docs" / "search-judgments.yaml"
DEPTH = 10  # nDCG@10, and how many results each system returns
TOP = 5  # P@5


def ndcg(ranked: list[str], grades: dict[str, int]) -> float:
    """Normalised discounted cumulative gain of the first DEPTH results (gain 2^grade - 1)."""

    def dcg(gains: list[int]) -> float:
        return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains[:DEPTH]))

    ideal = dcg(sorted(grades.values(), reverse=True))
    return dcg([grades.get(m, 0) for m in ranked]) / ideal


def precision(ranked: list[str], grades: dict[str, int]) -> float:
    return sum(1 for m in ranked[:TOP] if grades.get(m, 0) > 0) / TOP


def baseline(folder: Path) -> Callable[[str], list[str]]:
    """A bm25 ranking over whole files: one FTS5 row per file, nothing else."""
    from medref.query import fts_expression, parse_query

    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE f USING fts5(id UNINDEXED, text, tokenize="
                 "'porter unicode61 remove_diacritics 2')")  # fmt: skip
    conn.executemany(
        "INSERT INTO f VALUES (?, ?)",
        [(p.stem, p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.md"))],
    )

    def run(query: str) -> list[str]:
        expr = fts_expression(parse_query(query))
        sql = "SELECT id FROM f WHERE f MATCH ? ORDER BY bm25(f), id LIMIT ?"
        return [i for (i,) in conn.execute(sql, (expr, DEPTH))] if expr else []

    return run


def name_table(lines: list[str]) -> None:
    """Where the expected monographs of the test's name and typo table rank."""
    sys.path.insert(0, str(REPO / "tests"))
    from medref.library import Library
    from test_search import QUALITY, SEARCH_FIXTURES, check_order  # type: ignore[import-not-found]

    library = Library([SEARCH_FIXTURES])
    lines += ["| query | expected first | ranks | as the table expects |", "|---|---|---|---|"]
    for query, options, expected in QUALITY:
        ids = [h.id for h in library.search(query, limit=200, **options).hits]
        want = [
            e
            for group in expected
            if group != "..."
            for e in sorted(group if isinstance(group, frozenset) else [group])
        ]
        ranks = ", ".join(str(ids.index(w) + 1) if w in ids else "-" for w in want)
        try:
            check_order(ids, expected)
            ok = "yes"
        except AssertionError:
            ok = "**no**"
        lines.append(
            f"| `{query}` {options or ''} | {', '.join(want) or '(none)'} | {ranks or '-'} | {ok} |"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "search-quality.md")
    args = parser.parse_args()
    os.environ["MEDREF_CACHE_DIR"] = tempfile.mkdtemp(prefix="medref-quality-")
    os.environ.pop("MEDREF_PATH", None)
    os.environ["XDG_DATA_HOME"] = os.environ["MEDREF_CACHE_DIR"]  # no user corpus
    from medref.corpus import bundled_dir
    from medref.library import Library

    judged = yaml.safe_load(JUDGMENTS.read_text(encoding="utf-8"))["queries"]
    library = Library()
    bare = baseline(bundled_dir())
    systems: dict[str, Callable[[str], list[str]]] = {
        "medref": lambda q: [h.id for h in library.search(q, limit=DEPTH).hits],
        "bm25 over whole files": bare,
    }
    rows = []
    totals = {name: [0.0, 0.0] for name in systems}
    for item in judged:
        grades: dict[str, int] = item["relevant"]
        cells = []
        for name, run in systems.items():
            ranked = run(item["query"])
            n, p = ndcg(ranked, grades), precision(ranked, grades)
            totals[name][0] += n
            totals[name][1] += p
            cells.append(f"{n:.3f} | {p:.2f}")
        rows.append(f"| {item['query']} | {len(grades)} | {' | '.join(cells)} |")
    count = len(judged)
    lines = [
        "# Search quality",
        "",
        "Written by `python scripts/search_quality.py`; do not edit by hand.",
        "",
        f"{count} condition and topic queries judged by reading the bundled monographs"
        " (`docs/search-judgments.yaml`: grade 2 a main use, 1 a lesser use). nDCG@10 uses"
        " gain 2^grade - 1; P@5 counts results of either grade among the first five. The"
        " baseline is one FTS5 row per raw file, with medref's tokenizer, query syntax and"
        " US/UK spelling list, ranked by bm25 alone.",
        "",
        "| system | mean nDCG@10 | mean P@5 |",
        "|---|---|---|",
    ]
    for name, (n, p) in totals.items():
        lines.append(f"| {name} | {n / count:.3f} | {p / count:.3f} |")
    lines += ["", "## Per query", ""]
    heads = " | ".join(f"{name} nDCG@10 | {name} P@5" for name in systems)
    lines += [f"| query | judged | {heads} |", "|---" * (2 + 2 * len(systems)) + "|", *rows]
    lines += ["", "## Names and typos", "", "The table of `tests/test_search.py` (bundled corpus"
              " plus its fixtures): where each expected monograph ranks.", ""]  # fmt: skip
    name_table(lines)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for name, (n, p) in totals.items():
        print(f"{name:24} nDCG@10 {n / count:.3f}  P@5 {p / count:.3f}")
    print(f"report: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
