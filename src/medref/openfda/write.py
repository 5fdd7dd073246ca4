"""Monograph files in the import folder, and the state file that says which are ours.

Every file is written atomically (a temporary file, then os.replace). The state file
`.medref-openfda.json` records, for each monograph the importer wrote, the set_ids it stands
for and the source file each came from; only files recorded there are ever removed.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medref.errors import OutputProblem
from medref.files import write_file

STATE_NAME = ".medref-openfda.json"
LOCK_NAME = ".medref-openfda.lock"
STATE_FORMAT = 1
_ID = re.compile(r"fda-[\w-]+")
_OURS = re.compile(r"^imported:\s*['\"]?openfda['\"]?\s*$", re.M)


@dataclass(slots=True)
class Entry:
    labels: dict[str, str] = field(default_factory=dict)  # set_id -> source file name
    names: list[str] = field(default_factory=list)  # title, then aliases


@dataclass(slots=True)
class State:
    monographs: dict[str, Entry] = field(default_factory=dict)
    problem: str = ""  # why an unreadable state file was set aside

    def to_json(self) -> dict[str, Any]:
        return {
            "format": STATE_FORMAT,
            "monographs": {
                mid: {"labels": e.labels, "names": e.names}
                for mid, e in sorted(self.monographs.items())
            },
        }


def valid_id(mono_id: str) -> bool:
    """An id the importer could have made: a file name inside the folder, never a path."""
    return bool(_ID.fullmatch(mono_id)) and len(mono_id) < 200


def load_state(out_dir: Path) -> State:
    path = out_dir / STATE_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return State()
    except (OSError, ValueError) as exc:
        return State(problem=f"{path}: unreadable ({exc}); no earlier monograph is removed")
    state = State()
    monos = data.get("monographs") if isinstance(data, dict) else None
    if not isinstance(monos, dict):
        return State(problem=f"{path}: not a medref import state; no earlier monograph is removed")
    for mid, raw in monos.items():
        if not (isinstance(mid, str) and valid_id(mid) and isinstance(raw, dict)):
            continue
        labels = raw.get("labels")
        names = raw.get("names")
        state.monographs[mid] = Entry(
            {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {},
            [str(n) for n in names] if isinstance(names, list) else [],
        )
    return state


def save_state(out_dir: Path, state: State) -> None:
    text = json.dumps(state.to_json(), ensure_ascii=False, separators=(",", ":"))
    write_file(out_dir / STATE_NAME, text + "\n")


def put(path: Path, text: str) -> str:
    """Write a monograph file if its content changed: "written", "updated" or "unchanged"."""
    try:
        old = path.read_bytes()
    except FileNotFoundError:
        old = None
    except OSError as exc:
        raise OutputProblem(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if old is not None and old == text.encode("utf-8"):
        return "unchanged"
    write_file(path, text)
    return "written" if old is None else "updated"


def is_ours(path: Path) -> bool:
    """Does an existing file carry the importer's `imported: openfda` front-matter line?"""
    try:
        with path.open("rb") as fh:
            head = fh.read(64 * 1024).decode("utf-8", "replace")
    except OSError:
        return False
    if not head.startswith("---"):
        return False
    end = head.find("\n---", 3)
    return bool(_OURS.search(head[: end if end > 0 else len(head)]))


def remove(out_dir: Path, mono_id: str) -> bool:
    """Remove a monograph the importer wrote; only a plain file named by a valid id."""
    if not valid_id(mono_id):
        return False
    path = out_dir / f"{mono_id}.md"
    if path.parent != out_dir or path.is_symlink() or not path.is_file():
        return False
    try:
        path.unlink()
    except OSError as exc:
        raise OutputProblem(f"{path}: cannot remove ({exc.strerror or exc})") from exc
    return True


@contextlib.contextmanager
def locked(out_dir: Path) -> Iterator[None]:
    """Hold the import folder's lock: two imports into one folder would mix their state."""
    try:
        import fcntl
    except ImportError:  # Windows: no lock
        yield
        return
    try:
        fh = (out_dir / LOCK_NAME).open("a")
    except OSError as exc:
        raise OutputProblem(f"{out_dir}: cannot write ({exc.strerror or exc})") from exc
    with fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            raise OutputProblem(
                f"{out_dir}: another import into this folder is running",
                hint="wait for it to finish",
            ) from exc
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
