"""What one monograph file contributes to the index: its rows, built where it is parsed."""

from __future__ import annotations

import json
import os
import re
from collections import deque
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from medref.corpus import PROJECT_FILE_REASON, Assigned, is_project_file, written_as_monograph
from medref.index.schema import INGREDIENT_RANK, MAX_SECTIONS
from medref.models import list_entry
from medref.names import name_key

if TYPE_CHECKING:
    from medref.parse import Head

_COMBINATION = re.compile(r"\s*(?:\+|/|&|,|\band\b|\bwith\b)\s*", re.I)


# Parse in worker processes only when there is enough work to pay for starting them.
PARALLEL_THRESHOLD = 200
# Real sections are a few KB (a long FDA label section tens of KB): only pathological ones
# are cut, and words in different passages of one section do not match together.
PASSAGE_CHARS = 100_000
Progress = Callable[[int, int], None]
Item = tuple[Assigned, str]  # a file to parse, and the label of its corpus


class SectionRow(NamedTuple):
    """One FTS5 row: a section, or one passage of a long one."""

    key: str
    label: str
    heading: str
    text: str  # as indexed and stored
    part: int  # 0 for a section's first passage


class Record(NamedTuple):
    """Everything one file contributes to the index, ready to insert.

    Built where the file is parsed (a worker process, for big builds), so the main
    process only runs SQL and never re-walks a parsed monograph.
    """

    assigned: Assigned
    error: str | None  # why the file could not be read at all
    warning: str | None  # a problem worth one warning line
    title: str | None
    listing: str | None  # JSON: this file's entry in `list --json`
    imported: bool
    data: bytes | None  # packed monograph; None until a command first shows it
    names: list[tuple[str, int]]  # (name key, rank)
    aliases: str  # joined, as indexed
    meta: str
    rows: list[SectionRow]
    skipped: str | None = None  # why a readable file is not a monograph

    @property
    def active(self) -> bool:
        """Does this file's monograph serve its id (readable, and not overridden)?"""
        return self.assigned.active and self.error is None and self.skipped is None


def record_for(a: Assigned, head: Head | None, error: str | None) -> Record:
    """The rows of one file, from its head and outline: no Markdown parse (see outline.py)."""
    from medref.outline import plain_text

    if head is None:
        return Record(a, error, None, None, None, False, None, [], "", "", [])
    mono = head.monograph
    if is_project_file(a.entry.path) and not written_as_monograph(
        head.monograph.front_matter_keys, [s.key for s in head.outline.sections]
    ):
        listing = list_entry(a.id, mono.title, list(mono.aliases), [], a.entry.path)
        return Record(
            a, None, None, mono.title, json.dumps(listing, ensure_ascii=False), False, None,
            [], "", "", [], PROJECT_FILE_REASON,
        )  # fmt: skip
    # The parser decides each problem's level; errors mean the file was read only in part.
    warning = next(
        (f"{p.message} (line {p.line})" for p in mono.problems if p.level == "error"), None
    )
    names = [(name_key(a.id), 0), (name_key(mono.title), 1)]
    names += [(name_key(alias), 2) for alias in mono.aliases]
    # Ingredients of a combination ("Ibuprofen + Paracetamol"): for ranking search
    # results, never for resolving a name.
    parts = ingredient_names(mono.title)
    names += [(name_key(p), INGREDIENT_RANK) for p in parts if len(parts) > 1]
    aliases = " ; ".join(mono.aliases)
    meta = " ; ".join([mono.drug_class or "", *mono.tags])
    body = head.body
    texts = [
        (
            s.key,
            f"{s.heading} ({s.ingredient})" if s.ingredient else s.heading,
            f"{s.heading} {s.ingredient or ''}".strip(),
            "\n".join(t for t in (s.value, plain_text(body[s.body_start : s.end])) if t),
        )
        for s in head.outline.sections
    ] or [("overview", "Overview", "", "")]  # findable by name
    cut = [
        (key, label, heading, passage, n)
        for key, label, heading, text in texts
        for n, passage in enumerate(_passages(text))
    ]
    if len(cut) > MAX_SECTIONS:  # only a pathological file: keep every word searchable
        key, label, heading, _text, n = cut[MAX_SECTIONS - 1]
        rest = "\n".join(f"{c[2]}\n{c[3]}" for c in cut[MAX_SECTIONS - 1 :])
        cut = [*cut[: MAX_SECTIONS - 1], (key, label, heading, rest, n)]
    rows = [SectionRow(*c) for c in cut]
    keys = list(dict.fromkeys(s.key for s in head.outline.sections))
    return Record(
        a,
        None,
        warning,
        mono.title,
        json.dumps(
            list_entry(a.id, mono.title, list(mono.aliases), keys, a.entry.path),
            ensure_ascii=False,
        ),
        mono.imported is not None,
        None,  # the full parse is left to the first command that shows it (Index.load)
        [n for n in names if n[0]],
        aliases,
        meta,
        rows,
    )


def _passages(text: str) -> list[str]:
    """A section's text cut at spaces into passages of at most PASSAGE_CHARS characters."""
    out: list[str] = []
    start = 0
    while len(text) - start > PASSAGE_CHARS:
        cut = text.rfind(" ", start + PASSAGE_CHARS // 2, start + PASSAGE_CHARS)
        if cut <= start:
            cut = start + PASSAGE_CHARS
        out.append(text[start:cut])
        start = cut
    out.append(text[start:])
    return out


def parse_one(assigned: Assigned, corpus_label: str) -> Record:
    from medref.parse import read_head

    try:
        head = read_head(Path(assigned.entry.path), mono_id=assigned.id, corpus=corpus_label)
    except FileNotFoundError:
        return record_for(assigned, None, "file vanished while indexing")
    except PermissionError:
        return record_for(assigned, None, "permission denied")
    except (OSError, ValueError, RecursionError) as exc:
        return record_for(assigned, None, str(exc) or type(exc).__name__)
    except Exception as exc:  # a parser bug must cost one file, never the whole index
        return record_for(assigned, None, f"could not be parsed ({type(exc).__name__}: {exc})")
    return record_for(assigned, head, None)


def _worker_init(parent: int) -> None:
    # Ctrl-C is the parent's to handle; workers must not print tracebacks of their own.
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The parent's clean-ups (its temporary build, its progress bar) are not a worker's to
    # run: a worker told to end just ends.
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    # If the parent is killed, die with it instead of waiting for work forever (Linux).
    try:
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent died before the line above: no one to work for
        os._exit(1)


Batch = list[Record]  # parsed files, in the order given


def _parse_batch(batch: list[Item]) -> Batch:
    return [parse_one(a, label) for a, label in batch]


# What a worker sends the writer for a batch: each record as a plain tuple without its
# Assigned (the writer has it), and sections as plain tuples. NamedTuples pickle through
# Python methods, object by object, both ways.
Sent = list[tuple[Any, ...]]
_ROWS = Record._fields.index("rows")


def _parse_to_send(batch: list[Item]) -> Sent:
    return [(*r[1:_ROWS], [tuple(s) for s in r.rows], *r[_ROWS + 1 :]) for r in _parse_batch(batch)]


def _received(batch: list[Item], sent: Sent) -> Batch:
    """The batch a worker parsed, as _parse_batch made it."""
    out = []
    for (assigned, _label), fields in zip(batch, sent, strict=True):
        record = Record._make((assigned, *fields))
        record.rows[:] = [SectionRow._make(s) for s in record.rows]
        out.append(record)
    return out


# Parsed batches a worker may have ready ahead of the writer: they wait in memory, and the
# writer (one process) can be the slower side.
AHEAD_PER_WORKER = 2


BATCH_FILES = 64  # files per batch sent to a worker
FIRST_BATCH_FILES = 8  # the first batches are smaller: the writer starts sooner


def _batches(todo: list[Item]) -> Iterator[list[Item]]:
    """The files in batches of BATCH_FILES, after a few smaller ones (each twice the last)."""
    size, start = FIRST_BATCH_FILES, 0
    while start < len(todo):
        yield todo[start : start + size]
        start += size
        size = min(size * 2, BATCH_FILES)


def parse_all(todo: list[Item], progress: Progress | None) -> Iterator[Batch]:
    """Parse files in batches, in worker processes when there are enough of them."""
    total = len(todo)
    if total < PARALLEL_THRESHOLD or (os.cpu_count() or 1) < 2:
        for n, item in enumerate(todo, 1):
            yield _parse_batch([item])
            if progress:
                progress(n, total)
        return
    from concurrent.futures import ProcessPoolExecutor

    workers = min(os.cpu_count() or 2, 8)
    batches = _batches(todo)
    done = 0
    with ProcessPoolExecutor(
        max_workers=workers, initializer=_worker_init, initargs=(os.getpid(),)
    ) as pool:
        pending = deque(
            (b, pool.submit(_parse_to_send, b)) for b in islice(batches, workers * AHEAD_PER_WORKER)
        )
        try:
            while pending:
                items, future = pending.popleft()
                batch = _received(items, future.result())
                following = next(batches, None)
                if following is not None:  # before this batch is written: workers stay busy
                    pending.append((following, pool.submit(_parse_to_send, following)))
                yield batch
                done += len(batch)
                if progress:
                    progress(done, total)
        finally:
            for _items, future in pending:  # stopped early (an error, Ctrl-C): drop the rest
                future.cancel()


def ingredient_names(title: str) -> list[str]:
    """The parts of a combination title: "Ibuprofen + Paracetamol" -> both names."""
    return [p for p in _COMBINATION.split(title) if p.strip()]
