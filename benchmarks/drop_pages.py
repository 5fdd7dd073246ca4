"""Untimed step before each run of the `render-first` case: forget every kept page, so the
next `show` renders its page (as the first show of it in that layout does).

Usage: python benchmarks/drop_pages.py  (with the case's MEDREF_CACHE_DIR and MEDREF_PATH)
"""

import sqlite3

from medref.corpus import discover
from medref.index import index_path

corpora, _warnings = discover()
with sqlite3.connect(index_path(corpora)) as conn:
    conn.execute("DELETE FROM pages")
