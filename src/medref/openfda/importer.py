"""`import_files`: label files in, monograph files out, in two streaming passes.

Pass 1 reads every record and keeps only small metadata (select.Meta) to choose which label
each monograph is made from; pass 2 re-reads the files and renders only those labels. A
file that cannot be read to its end contributes nothing, and nothing is removed in a run
where any file failed.
"""

from __future__ import annotations

from collections.abc import Sequence, Set
from pathlib import Path

from medref.corpus import import_dir
from medref.errors import OutputProblem, UsageError
from medref.names import name_key
from medref.openfda.label import check
from medref.openfda.mapping import render
from medref.openfda.model import ImportProgress, ImportSummary, NoProgress
from medref.openfda.read import Source, SourceError, iter_records, release, resolve_sources
from medref.openfda.select import Group, Meta, assign_aliases, choose, describe
from medref.openfda.write import (
    Entry,
    State,
    is_ours,
    load_state,
    locked,
    put,
    remove,
    save_state,
)


def default_import_dir() -> Path:
    """Where imported monographs go: the user data dir's monographs/openfda."""
    return import_dir("openfda")


def import_files(
    sources: Sequence[str | Path],
    out_dir: Path,
    *,
    per_label: bool = False,
    prune: bool = False,
    complete: bool = False,
    hand_written_names: Set[str] = frozenset(),
    progress: ImportProgress | None = None,
) -> ImportSummary:
    """Import openFDA label files (`.json`, `.json.zip`, or "-" for standard input).

    prune: remove earlier monographs whose labels are gone from the files read now (a
    monograph stays while any of its labels came from a file not read this time).
    complete: the sources are the whole export; every earlier monograph not made now goes.
    Raises UsageError for a missing source and OutputProblem when out_dir is not writable.
    """
    if not sources:
        raise UsageError("no files to import", hint="give .json or .json.zip files, or '-'")
    srcs = resolve_sources(sources)
    try:
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputProblem(f"{out_dir}: cannot create ({exc.strerror or exc})") from exc
        with locked(out_dir):
            return _run(
                srcs,
                out_dir,
                per_label=per_label,
                prune=prune or complete,
                complete=complete,
                hand_written=frozenset(hand_written_names),
                progress=progress or NoProgress(),
            )
    finally:
        release(srcs)


def _size(src: Source) -> int:
    try:
        return src.path.stat().st_size
    except OSError:
        return 0


def _scan(
    srcs: list[Source], summary: ImportSummary, progress: ImportProgress
) -> tuple[list[Meta], set[int]]:
    """Pass 1: metadata of every label; the indexes of sources that could not be read."""
    metas: list[Meta] = []
    failed: set[int] = set()
    progress.start("Reading labels", sum(_size(s) for s in srcs) or None, "bytes")
    for i, src in enumerate(srcs):
        found: list[Meta] = []
        problems: list[str] = []
        last = 0
        try:
            for pos, record, done in iter_records(src.path):
                label, why = check(record, f"record {pos + 1}")
                problems.extend(why)
                if label is not None:
                    found.append(describe(label, i, pos))
                if done > last:
                    progress.advance(done - last)
                    last = done
        except SourceError as exc:
            summary.skipped.append((src.name, str(exc)))
            failed.add(i)
            progress.advance(max(0, _size(src) - last))
            continue
        progress.advance(max(0, _size(src) - last))
        metas.extend(found)
        summary.labels_read += len(found)
        summary.skipped.extend((src.name, p) for p in problems)
    progress.finish()
    return metas, failed


def _run(
    srcs: list[Source],
    out_dir: Path,
    *,
    per_label: bool,
    prune: bool,
    complete: bool,
    hand_written: frozenset[str],
    progress: ImportProgress,
) -> ImportSummary:
    summary = ImportSummary(out_dir=out_dir)
    state = load_state(out_dir)
    if state.problem:
        summary.skipped.append((str(out_dir), state.problem))
    metas, failed = _scan(srcs, summary, progress)
    summary.retitled = sum(1 for m in metas if m.retitled)
    groups = choose(metas, per_label=per_label)
    made = {g.id for g in groups}
    elsewhere = {
        name_key(n) for mid, e in state.monographs.items() if mid not in made for n in e.names
    }
    assign_aliases(groups, hand_written, elsewhere)
    read_keys = {s.key for i, s in enumerate(srcs) if i not in failed}

    wanted: dict[int, dict[int, Group]] = {}
    for g in groups:
        wanted.setdefault(g.winner.src, {})[g.winner.pos] = g
    progress.start("Writing monographs", len(groups), "monographs")
    for i, src in enumerate(srcs):
        want = wanted.get(i)
        if not want:
            continue
        last_pos = max(want)
        try:
            for pos, record, _done in iter_records(src.path):
                group = want.get(pos)
                if group is not None:
                    _write_one(record, group, srcs, out_dir, state, summary, read_keys, complete)
                    progress.advance(1)
                if pos >= last_pos:
                    break
        except SourceError as exc:
            summary.skipped.append((src.name, f"changed while it was imported: {exc}"))
            failed.add(i)
    progress.finish()

    if prune and state.monographs:
        if failed:
            summary.skipped.append(
                ("(prune)", "nothing removed, because a source file could not be read")
            )
        else:
            seen = {m.set_id for m in metas}
            _prune(out_dir, state, summary, made, seen, read_keys, complete)
    summary.files.sort()
    save_state(out_dir, state)
    return summary


def _write_one(
    record: object,
    group: Group,
    srcs: list[Source],
    out_dir: Path,
    state: State,
    summary: ImportSummary,
    read_keys: set[str],
    complete: bool,
) -> bool:
    src = srcs[group.winner.src]
    label, _why = check(record, "")
    if label is None:
        return False
    path = out_dir / f"{group.id}.md"
    if group.id not in state.monographs and path.exists() and not is_ours(path):
        summary.skipped.append(
            (path.name, "a file of that name, not written by an openFDA import, is left alone")
        )
        return False
    try:
        text = render(label, group)
    except Exception as exc:  # a label shaped in a way no test foresaw: skip it, go on
        summary.skipped.append(
            (
                src.name,
                f"record {group.winner.pos + 1} (set_id {label.set_id}): not "
                f"converted ({type(exc).__name__}: {exc})",
            )
        )
        return False
    outcome = put(path, text)
    if outcome == "written":
        summary.written += 1
    elif outcome == "updated":
        summary.updated += 1
    else:
        summary.unchanged += 1
    summary.files.append(path)
    old = state.monographs.get(group.id)
    labels = {}
    if old is not None and not complete:
        # Labels this monograph stood for that came from files not read this time.
        labels = {sid: key for sid, key in old.labels.items() if key not in read_keys}
    labels.update({m.set_id: srcs[m.src].key for m in group.members})
    state.monographs[group.id] = Entry(labels, [group.title, *group.aliases])
    return True


def _prune(
    out_dir: Path,
    state: State,
    summary: ImportSummary,
    made: set[str],
    seen: set[str],
    read_keys: set[str],
    complete: bool,
) -> None:
    """Remove earlier monographs whose labels are gone (only files the state records)."""
    for mid in sorted(state.monographs):
        if mid in made:
            continue
        entry = state.monographs[mid]
        gone = complete or all(key in read_keys or sid in seen for sid, key in entry.labels.items())
        if not gone:
            continue
        if remove(out_dir, mid):
            summary.removed += 1
        del state.monographs[mid]
