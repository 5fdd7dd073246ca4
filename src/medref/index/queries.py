"""Reading the index: name resolution, monographs, listings and facts about the cache."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from medref.corpus import Corpus, file_stamp, stem_id
from medref.errors import Ambiguous, NotFound, UsageError
from medref.index import pages
from medref.index.schema import (
    INGREDIENT_RANK,
    SCHEMA_VERSION,
    SPELT_WORDS,
    is_damage,
    pack,
    unpack,
)
from medref.models import Monograph
from medref.names import MAX_NAME, close_matches, name_key


class BuildReport:
    """What a freshness check or build did."""

    def __init__(self, full: bool = False) -> None:
        self.full = full
        self.parsed = 0
        self.removed = 0


class Index:
    """An open, fresh index over a list of corpora."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        path: Path | None,
        corpora: list[Corpus],
        report: BuildReport,
        *,
        trusting: bool = False,
    ) -> None:
        self.conn = conn
        self.path = path  # None when the index lives in memory
        self.corpora = corpora
        self.report = report
        # True when opened after checking folders only: files it hands out are verified.
        self.trusting = trusting
        # Files edited since they were indexed, not re-parsed yet (open_index's `defer`).
        self.pending: frozenset[str] = frozenset()
        # False once keeping a parsed monograph failed (a full disk): not tried again.
        self.cache_writes = True

    def verify(self, docs: Iterable[int]) -> None:
        """Raise Stale if the file of any of these docs changed since it was indexed."""
        if not self.trusting:
            return
        for doc in docs:
            row = self.conn.execute("SELECT path, stamp FROM docs WHERE doc=?", (doc,)).fetchone()
            if row is None:
                continue
            try:
                stamp = file_stamp(os.stat(row[0]))
            except OSError:
                stamp = ""
            if stamp != row[1]:
                raise Stale(os.path.dirname(row[0]))

    # -- lookups --------------------------------------------------------------------

    def resolve(self, name: str) -> int:
        """The doc number for an id, title or alias; raises NotFound or UsageError."""
        if "\x00" in name:
            raise NotFound(
                f"no monograph named {shown_name(name)}", hint="names cannot contain NUL bytes"
            )
        key = name_key(name)
        if not key:
            raise UsageError(
                f"{shown_name(name)} is not a monograph name",
                hint="give an id, title or alias, e.g. 'medref show colostrum'",
            )
        if len(name) > MAX_NAME:
            raise NotFound("no monograph has a name that long", hint="try 'medref list'")
        by_id = self.conn.execute(
            "SELECT d.doc, d.path FROM docs d WHERE d.id=? AND d.active", (name.strip().lower(),)
        ).fetchone()
        if self.pending and (by_id is None or by_id[1] in self.pending):
            # A pending edit may change this answer (a new title or alias, this very file).
            raise Stale("")
        if by_id:
            return int(by_id[0])
        rows = self.conn.execute(
            "SELECT n.doc, n.rank, d.id, d.imported FROM names n JOIN docs d ON d.doc=n.doc"
            f" WHERE n.norm=? AND d.active AND n.rank < {INGREDIENT_RANK}"
            " ORDER BY d.imported, n.rank, d.corpus, d.doc",
            (key,),
        ).fetchall()
        if rows:
            # A hand-written monograph beats imported labels of the same name (rows come
            # hand-written first), a title beats an alias, and two monographs with the same
            # best kind of name are never picked between silently (a user's file may share a
            # brand name; many labels share a generic name).
            first_doc, best, _id, imported = rows[0]
            ids = list(dict.fromkeys(r[2] for r in rows if r[3] == imported and r[1] == best))
            if len(ids) > 1:
                kind = ("id", "title", "alias")[best]
                raise Ambiguous(
                    f"{shown_name(name)} is the {kind} of {len(ids)} monographs",
                    suggestions=ids[:10],
                )
            return int(first_doc)
        raise NotFound(
            f"no monograph named {shown_name(name)}",
            suggestions=self.suggest(key),
            hint="try 'medref list' or 'medref search'",
        )

    def section_keys(self) -> list[str]:
        return [k for (k,) in self.conn.execute("SELECT DISTINCT key FROM secmeta")]

    def name_tiers(self, key: str) -> dict[int, int]:
        """doc -> 0 when key is its id, title or alias; 1 when an ingredient's name."""
        rows = self.conn.execute(
            "SELECT doc, min(rank) FROM names WHERE norm=? GROUP BY doc", (key,)
        ).fetchall()
        return {doc: 0 if rank < INGREDIENT_RANK else 1 for doc, rank in rows}

    def suggest(self, key: str, limit: int = 5) -> list[str]:
        """Ids whose names are close to `key` (a name_key)."""
        rows = self.conn.execute(
            "SELECT n.norm, d.id FROM names n JOIN docs d ON d.doc=n.doc WHERE d.active"
            f" AND n.rank < {INGREDIENT_RANK}"
            " AND length(n.norm) BETWEEN ? AND ?",
            (len(key) - 3, len(key) + 40),
        ).fetchall()
        by_norm: dict[str, str] = {}
        for norm, mono_id in rows:
            by_norm.setdefault(norm, mono_id)
        ids: list[str] = []
        near = close_matches(key, (n for n in by_norm if abs(len(n) - len(key)) <= 3), limit)
        prefixed = sorted(n for n in by_norm if n.startswith(key) and len(key) >= 3)
        for norm in near + prefixed:
            mono_id = by_norm[norm]
            if mono_id not in ids:
                ids.append(mono_id)
        return ids[:limit]

    def get(self, name: str) -> Monograph:
        return self._monograph(self.resolve(name))

    def page(self, name: str, key: str) -> tuple[Monograph, str | None, pages.Slot | None]:
        """A monograph, its page kept under key (pages.py) or None, and where to keep one
        (None for an index in memory)."""
        doc = self.resolve(name)
        mono = self._monograph(doc)
        if self.path is None:
            return mono, None, None
        return mono, pages.read(self.conn, doc, key), pages.slot(self.conn, self.path, doc)

    def _monograph(self, doc: int) -> Monograph:
        mono = self.load(doc)
        if mono.imported is None:
            labels = self.fda_labels(mono)
            if labels:
                mono = mono._replace(fda_labels=labels)
        return mono

    def fda_labels(self, mono: Monograph) -> tuple[str, ...]:
        """Ids of imported labels that share a hand-written monograph's title or aliases."""
        keys = [k for k in {name_key(mono.title), *map(name_key, mono.aliases)} if k]
        rows = self.conn.execute(
            "SELECT DISTINCT d.id FROM names n JOIN docs d ON d.doc=n.doc"
            f" WHERE d.imported AND d.active AND n.rank < {INGREDIENT_RANK}"
            f" AND n.norm IN ({','.join('?' * len(keys))}) ORDER BY d.id",
            keys,
        ).fetchall()
        return tuple(r[0] for r in rows)

    def load(self, doc: int) -> Monograph:
        """The monograph of a doc, parsed in full the first time it is asked for.

        Builds index only what list, names and search need (outline.py); the first command
        that shows a monograph parses it and keeps the result for the next ones.
        """
        self.verify((doc,))
        row = self.conn.execute(
            "SELECT data, path, stamp, id, corpus FROM docs WHERE doc=? AND listing IS NOT NULL",
            (doc,),
        ).fetchone()
        if row is None:
            raise NotFound(
                f"monograph #{doc} is not in the index", hint="run 'medref index --rebuild'"
            )
        data, path, stamp, mono_id, corpus = row
        if data is not None:
            return unpack(data)
        return self._parse(doc, path, stamp, mono_id, self.corpora[corpus].origin)

    def _parse(self, doc: int, path: str, stamp: str, mono_id: str, origin: str) -> Monograph:
        from medref.parse import parse_file

        try:
            mono = parse_file(Path(path), mono_id=mono_id, corpus=origin)
        except (OSError, ValueError) as exc:
            raise Stale(os.path.dirname(path)) from exc  # changed or gone: read its folder again
        try:
            if file_stamp(os.stat(path)) != stamp:
                raise Stale(os.path.dirname(path))
        except OSError as exc:
            raise Stale(os.path.dirname(path)) from exc
        # Keep it for the next command, if the index can be written now; a reader that
        # cannot (another process is writing, a read-only cache) just parses again next time.
        # This runs inside the command's read transaction, where SQLite answers BUSY at once
        # instead of waiting for another writer (https://sqlite.org/c3ref/busy_handler.html).
        if self.cache_writes:
            in_transaction = self.conn.in_transaction
            try:
                self.conn.execute(
                    "UPDATE docs SET data=? WHERE doc=? AND stamp=?", (pack(mono), doc, stamp)
                )
            except sqlite3.Error as exc:
                if is_damage(exc):
                    raise
                # A full disk or a file-size limit can leave the transaction unusable (an
                # I/O error): end it, read on in a new one, and keep nothing this time.
                self.cache_writes = False
                busy = "locked" in str(exc) or "busy" in str(exc)  # the transaction is whole
                if in_transaction and not busy:
                    with contextlib.suppress(sqlite3.Error):
                        self.conn.execute("ROLLBACK")
                    self.conn.execute("BEGIN")
        return mono

    def all(self) -> Iterator[Monograph]:
        ids = [d for (d,) in self.conn.execute("SELECT doc FROM docs WHERE active ORDER BY id")]
        for doc in ids:
            yield self.load(doc)

    def summaries(self) -> list[dict[str, Any]]:
        """Every active monograph's `list --json` entry, by id."""
        return [json.loads(row) for row in self._listings()]

    def listing_json(self) -> str:
        """`list --json` on one line, exactly as json.dumps(self.summaries()) would write it."""
        text = "[" + ", ".join(self._listings()) + "]"
        json.loads(text)  # a damaged stored listing raises here (is_damage), never goes out
        return text

    def _listings(self) -> list[str]:
        return [
            r for (r,) in self.conn.execute("SELECT listing FROM docs WHERE active ORDER BY id")
        ]

    def completions(self, prefix: str, limit: int = 200) -> list[str]:
        """Ids and aliases (in id form, e.g. 'tylenol') starting with prefix, for shells."""
        from medref.names import slugify

        low = prefix.lower()
        rows = self.conn.execute(
            "SELECT id FROM docs WHERE active AND id >= ? AND id < ? ORDER BY id LIMIT ?",
            (low, low + "\U0010ffff", limit),
        ).fetchall()
        out = [r[0] for r in rows]
        seen = set(out)
        for listing in self._listings():
            for alias in json.loads(listing)["aliases"]:
                form = slugify(alias)
                if form.startswith(low) and form not in seen:
                    seen.add(form)
                    out.append(form)
        return out[:limit]

    def info(self) -> dict[str, Any]:
        meta = dict(self.conn.execute("SELECT key, value FROM meta").fetchall())
        count = self.conn.execute("SELECT count(*) FROM docs WHERE active").fetchone()[0]
        files = self.conn.execute("SELECT count(*) FROM docs").fetchone()[0]
        unreadable = self.conn.execute(
            "SELECT count(*) FROM docs WHERE listing IS NULL"
        ).fetchone()[0]
        overridden = [
            {"id": i, "source": p}
            for i, p in self.conn.execute(
                "SELECT id, path FROM docs"
                " WHERE NOT active AND listing IS NOT NULL AND skipped IS NULL ORDER BY id"
            )
        ]
        skipped = [
            {"source": p, "reason": r}
            for p, r in self.conn.execute(
                "SELECT path, skipped FROM docs WHERE skipped IS NOT NULL ORDER BY path"
            )
        ]
        skipped += [
            {"source": p, "reason": "a node_modules folder, not read"}
            for p in json.loads(meta.get("ignored") or "[]")
        ]
        renamed = [
            {"id": i, "source": p}
            for i, p, rel in self.conn.execute("SELECT id, path, rel FROM docs WHERE active")
            if i != stem_id(rel)
        ]
        per_corpus = dict(
            self.conn.execute("SELECT corpus, count(*) FROM docs WHERE active GROUP BY corpus")
        )
        return {
            "path": str(self.path) if self.path else ":memory:",
            "monographs": count,
            "files": files,
            "unreadable": unreadable,
            "built": meta.get("built"),
            "updated": meta.get("updated"),
            "medref_version": meta.get("version"),
            "schema": SCHEMA_VERSION,
            "corpora": [
                {"path": str(c.path), "origin": c.origin, "monographs": per_corpus.get(i, 0)}
                for i, c in enumerate(self.corpora)
            ],
            "overridden": overridden,
            "renamed": renamed,
            "skipped": skipped,
        }


def shown_name(name: str) -> str:
    """A user-typed name, shortened and made safe for a one-line message."""
    short = name if len(name) <= 60 else name[:57] + "..."
    return repr(short)


def words_like(conn: sqlite3.Connection, word: str, budget: int) -> list[str]:
    """Vocabulary words whose length is within budget of word's."""
    return [
        w
        for (w,) in conn.execute(
            f"SELECT word FROM words WHERE length(word) BETWEEN ? AND ? AND {SPELT_WORDS}",
            (len(word) - budget, len(word) + budget),
        )
    ]


class Stale(Exception):
    """A file the index trusted changed on disk; its folder must be read again."""

    def __init__(self, folder: str) -> None:
        super().__init__(folder)
        self.folder = folder
