"""Reference for cold builds: every *.md file under DIR as one row of a bare FTS5 table.

Usage: python benchmarks/bare_insert.py DIR DB  (one process, one transaction)
"""

import sqlite3
import sys
from pathlib import Path


def main(folder: str, db: str) -> None:
    """Insert the text of each file under folder into a new FTS5 table in db."""
    con = sqlite3.connect(db)
    con.execute(
        "CREATE VIRTUAL TABLE t USING fts5(body, tokenize='porter unicode61 remove_diacritics 2')"
    )
    with con:
        con.executemany(
            "INSERT INTO t(body) VALUES (?)",
            ((p.read_text(encoding="utf-8"),) for p in sorted(Path(folder).rglob("*.md"))),
        )
    print(con.execute("SELECT count(*) FROM t").fetchone()[0])
    con.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
