"""The SQLite index cache: one module per concern.

- schema: tables, connections, section rowids (the one owner of every table)
- rows: what a parsed file contributes
- scan: what a walk of the corpora saw
- build: writing rows, whole builds
- queries: name lookups and listings; search: full-text search
- freshness: opening an index that is up to date with the files
"""

from medref.index.freshness import open_index, quick_completions, with_index
from medref.index.queries import Index, Stale
from medref.index.schema import index_path

__all__ = ["Index", "Stale", "index_path", "open_index", "quick_completions", "with_index"]
