"""`medref validate`: a linter for monograph files and corpora."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from medref.corpus import (
    PROJECT_FILE_REASON,
    Corpus,
    FileEntry,
    assign_ids,
    is_project_file,
    scan,
    written_as_monograph,
)
from medref.labels import IMPORTED_FRONT_MATTER, JEKYLL_KEYS, KNOWN_FRONT_MATTER
from medref.models import BOXED_WARNING, CANONICAL_KEYS, Monograph
from medref.names import name_key
from medref.parse import parse, read_text


@dataclass(frozen=True, slots=True)
class Finding:
    file: str
    line: int
    level: str  # "error" or "warning"
    code: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "level": self.level,
            "code": self.code,
            "message": self.message,
        }

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.level}: {self.message} [{self.code}]"


def _entries(paths: list[Path]) -> tuple[list[FileEntry], list[Finding]]:
    """Files to check: given files as they are, given folders scanned like corpora."""
    entries: list[FileEntry] = []
    findings: list[Finding] = []
    folders: list[Corpus] = []
    for p in paths:
        if p.is_dir():
            folders.append(Corpus(p.resolve(), "validate"))
        elif p.is_file():
            entries.append(FileEntry(str(p), -1, p.name, ""))
        else:
            findings.append(Finding(str(p), 1, "error", "missing", "no such file or folder"))
    scanned, warnings = scan(folders)
    entries += scanned
    for w in warnings:
        path, _, message = w.partition(": ")
        findings.append(Finding(path, 1, "error", "unreadable", message))
    return entries, findings


def _check_front_matter(mono: Monograph, file: str) -> list[Finding]:
    out = []
    for key in mono.front_matter_keys:
        imported_key = mono.imported is not None and key in IMPORTED_FRONT_MATTER
        if key not in KNOWN_FRONT_MATTER and key not in JEKYLL_KEYS and not imported_key:
            out.append(
                Finding(file, 1, "warning", "unknown-key", f"unknown front-matter key {key!r}")
            )
    if mono.reviewed is not None:
        try:
            _dt.date.fromisoformat(mono.reviewed)
        except ValueError:
            out.append(
                Finding(
                    file,
                    1,
                    "warning",
                    "reviewed-date",
                    f"'reviewed' should be a date (YYYY-MM-DD), not {mono.reviewed!r}",
                )
            )
    return out


def _check_sections(mono: Monograph, file: str, strict: bool) -> list[Finding]:
    out = []
    # An imported label has the sections its label has: the house rule is for hand-written ones.
    level = "error" if strict and mono.imported is None else "warning"
    by_key: dict[str, list[Any]] = {}
    for s in mono.sections:
        by_key.setdefault(s.key, []).append(s)
    for key in CANONICAL_KEYS:
        found = by_key.get(key)
        if not found:
            if mono.imported is None:  # an imported label has only the sections it has
                out.append(Finding(file, 1, level, "missing-section", f"no '{key}' section"))
        elif not any(s.text.strip() for s in found):
            out.append(
                Finding(
                    file, found[0].line, level, "empty-section", f"the '{key}' section is empty"
                )
            )
    for s in by_key.get("faqs", []):
        items = sum(1 for b in s.blocks if b.kind == "li" and b.marker and b.depth == 0)
        pairs = [f for f in mono.faqs if f.ingredient == s.ingredient]
        unread = items - len(pairs)
        if not pairs and s.text.strip():
            message = (
                "no question/answer pairs could be read from the FAQs; `medref faq` shows"
                " them as written"
            )
        elif unread > 0:
            message = f"{unread} FAQ items are not question/answer pairs"
        else:
            continue
        # The text is still shown (`faq` prints it as written), so only --strict fails it.
        out.append(Finding(file, s.line, "error" if strict else "warning", "faq-pairs", message))
    for f in mono.faqs:
        if not f.answer:
            line = next((s.line for s in mono.sections if s.key == "faqs"), 1)
            out.append(
                Finding(file, line, "error", "faq-answer", f"question {f.question!r} has no answer")
            )
    return out


def _check_unique(monos: list[tuple[str, Monograph]]) -> list[Finding]:
    """Ids, titles and aliases are unique, and no alias names another monograph."""
    out: list[Finding] = []
    owners: dict[str, tuple[str, str, str]] = {}  # name key -> (id, what, file)
    for file, mono in monos:
        names = [("id", mono.id), ("title", mono.title)] + [("alias", a) for a in mono.aliases]
        seen_here: set[str] = set()
        for what, name in names:
            key = name_key(name)
            if not key or key in seen_here:
                continue
            seen_here.add(key)
            owner = owners.get(key)
            if owner is None:
                owners[key] = (mono.id, what, file)
            elif owner[0] != mono.id:
                out.append(
                    Finding(
                        file,
                        1,
                        "error",
                        f"duplicate-{what}",
                        f"{what} {name!r} is also the {owner[1]} of '{owner[0]}' ({owner[2]})",
                    )
                )
    return out


BOXED_WARNINGS_FILE = Path(__file__).parent / "data" / "boxed-warnings.yaml"


def boxed_warning_labels() -> dict[str, dict[str, str]]:
    """Bundled monographs whose US label has a boxed warning: id -> {label, label_date, note}."""
    import yaml

    entries = yaml.safe_load(BOXED_WARNINGS_FILE.read_text(encoding="utf-8")) or []
    return {str(e["id"]): {k: str(v) for k, v in e.items() if k != "id"} for e in entries}


def _check_boxed_warnings(monos: list[tuple[str, Monograph]]) -> list[Finding]:
    """Under --strict: each monograph whose label has a boxed warning carries it, first."""
    listed = boxed_warning_labels()
    out = []
    for file, mono in monos:
        label = listed.get(mono.id)
        if label is None:
            continue
        keys = mono.section_keys()
        if BOXED_WARNING not in keys:
            out.append(
                Finding(
                    file,
                    1,
                    "error",
                    "boxed-warning-missing",
                    f"its US label has a boxed warning ({label['label']}); add a"
                    " '### Boxed Warning' section first",
                )
            )
        elif keys[0] != BOXED_WARNING:
            line = next(s.line for s in mono.sections if s.key == BOXED_WARNING)
            out.append(
                Finding(
                    file, line, "error", "boxed-warning-order", "the boxed warning must come first"
                )
            )
    return out


def validate(paths: list[Path] | None, corpora: list[Corpus], strict: bool) -> list[Finding]:
    """Check the given files and folders, or every corpus in use when none are given."""
    if paths:
        entries, findings = _entries(paths)
    else:
        entries, warnings = scan(corpora)
        findings = [
            Finding(w.partition(": ")[0], 1, "error", "unreadable", w.partition(": ")[2])
            for w in warnings
        ]
    ids = {a.entry.path: a.id for a in assign_ids([e for e in entries if e.corpus >= 0])}
    monos: list[tuple[str, Monograph]] = []
    for e in entries:
        file = e.path
        if not file.lower().endswith(".md"):
            findings.append(Finding(file, 1, "error", "not-markdown", "not a Markdown file (.md)"))
            continue
        try:
            text, problems = read_text(Path(file))
        except ValueError as exc:
            findings.append(Finding(file, 1, "error", "not-markdown", str(exc)))
            continue
        except OSError as exc:
            findings.append(
                Finding(file, 1, "error", "unreadable", f"cannot read ({exc.strerror or exc})")
            )
            continue
        mono = parse(text, path=file, mono_id=ids.get(file))
        if is_project_file(file) and not written_as_monograph(
            mono.front_matter_keys, [s.key for s in mono.sections]
        ):
            if e.corpus < 0:  # named on the command line: say why it is not checked
                findings.append(Finding(file, 1, "warning", "not-a-monograph", PROJECT_FILE_REASON))
            continue  # the index skips it too
        for p in [*problems, *mono.problems]:  # the parser decides each problem's level
            findings.append(Finding(file, p.line, p.level, p.code, p.message))
        findings += _check_front_matter(mono, file)
        findings += _check_sections(mono, file, strict)
        monos.append((file, mono))
    findings += _check_unique(monos)
    if strict:
        findings += _check_boxed_warnings(monos)
    return sorted(findings, key=lambda f: (f.file, f.line, f.code))
