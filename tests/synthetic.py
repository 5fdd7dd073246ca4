"""Synthetic monograph corpora made from templates of the bundled monographs.

Each file is a bundled monograph with a new made-up name (title, id, aliases) and its
sections' text taken from several bundled monographs, written to ``root/<letter>/<id>.md``
as real collections are laid out. The same arguments give the same files.
Used by the tests and by ``benchmarks/run.py`` (which loads it by path).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

BUNDLED = Path(__file__).resolve().parent.parent / "monographs"
SYLLABLES = tuple(c + v for c in "bdfklmnprstvz" for v in "aeiou")  # two letters each
ENDINGS = ("xetine", "vastin", "prazole", "olol", "pril", "cillin", "mab", "dronate", "zepam")
BRANDS = ("max", "ex", "ol", "ix", "ara", "ene", "o XR", "a SR")


@dataclass(frozen=True)
class Template:
    """A bundled monograph cut into front matter lines, its names and its sections."""

    front: tuple[str, ...]  # front matter lines other than title and aliases
    names: tuple[str, ...]  # title, id and aliases, to be replaced in the text
    sections: tuple[tuple[str, str], ...]  # (heading line, body) in file order


@cache
def templates() -> tuple[Template, ...]:
    """The bundled monographs as templates, in file name order."""
    out = []
    for path in sorted(BUNDLED.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        _, head, body = text.split("---\n", 2)
        front, names = [], [path.stem.replace("-", " ")]
        for line in head.splitlines():
            key = line.split(":", 1)[0]
            if key in ("title", "aliases"):
                value = line.split(":", 1)[1].strip().strip("[]")
                names += [n.strip().strip("'\"") for n in value.split(",") if n.strip()]
            elif key != "layout":
                front.append(line)
        parts = re.split(r"^(#{1,3} .*)$", body, flags=re.M)
        sections = tuple(zip(parts[1::2], parts[2::2], strict=True))
        names = sorted(set(names), key=len, reverse=True)  # longest first, for the regex
        out.append(Template(tuple(front), tuple(names), sections))
    return tuple(out)


def _name(i: int, rng: random.Random) -> tuple[str, str]:
    """A unique made-up stem for number i, and a drug name built on it."""
    stem = ""
    while True:
        stem += SYLLABLES[i % len(SYLLABLES)]
        i //= len(SYLLABLES)
        if not i:
            break
    return stem, stem + rng.choice(ENDINGS)


def _rename(text: str, names: tuple[str, ...], new: str) -> str:
    """Replace a template's names in text with a new name, keeping lower case lower."""
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b", re.I)
    return pattern.sub(lambda m: new.lower() if m.group(0).islower() else new, text)


def _shuffle_lines(body: str, rng: random.Random) -> str:
    """Shuffle the bullet items of a section body, leaving other lines in place."""
    lines = body.split("\n")
    spots = [k for k, line in enumerate(lines) if line.startswith(("* ", "- "))]
    items = [lines[k] for k in spots]
    rng.shuffle(items)
    for k, item in zip(spots, items, strict=True):
        lines[k] = item
    return "\n".join(lines)


def _monograph(i: int, rng: random.Random, size: int = 0) -> tuple[str, str]:
    """(id, text) of synthetic monograph i; with size, sections grow to about size bytes."""
    pool = templates()
    base = rng.choice(pool)
    stem, name = _name(i, rng)
    title = name.capitalize()
    aliases = [stem.capitalize() + b for b in rng.sample(BRANDS, rng.randint(0, 3))]
    sections: list[list[str]] = []
    for heading, _ in base.sections:
        if heading.startswith("# "):
            sections.append([f"# {title}\n"])
            continue
        donor = rng.choice(pool)
        body = dict(donor.sections).get(heading, "")
        sections.append([heading, _shuffle_lines(_rename(body, donor.names, title), rng)])
    total = sum(len(s) for part in sections for s in part)
    while total < size:
        k = rng.randrange(1, len(sections))
        donor = rng.choice(pool)
        extra = dict(donor.sections).get(sections[k][0], "")
        extra = _shuffle_lines(_rename(extra, donor.names, title), rng)
        sections[k].append(extra)
        total += len(extra)
    renamed = (_rename(line, base.names, title) for line in base.front)
    front = [f"title: {title}", f"aliases: [{', '.join(aliases)}]", *renamed]
    text = "---\n" + "\n".join(front) + "\n---\n" + "".join(s for p in sections for s in p)
    return name, text


def write(root: Path, mono_id: str, text: str) -> Path:
    """Write text to root/<first letter>/<mono_id>.md and return the path."""
    path = root / mono_id[0] / f"{mono_id}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def generate(root: Path, n: int, *, seed: int = 0, label_sized: bool = False) -> list[Path]:
    """Write n monographs under root: about 6 KB each, or 30-250 KB with label_sized."""
    rng = random.Random(seed)
    paths = []
    for i in range(n):
        size = rng.randint(30_000, 250_000) if label_sized else 0
        paths.append(write(root, *_monograph(i + 7 * seed, rng, size)))
    return paths


def large_monograph(root: Path, size: int, *, seed: int = 0, mono_id: str = "megadosine") -> Path:
    """Write one monograph of about size bytes, its sections repeated and varied."""
    _, text = _monograph(seed, random.Random(seed), size)
    title = text.split("title: ", 1)[1].split("\n", 1)[0]
    return write(root, mono_id, _rename(text, (title,), mono_id.capitalize()))


def list_monograph(root: Path, items: int, *, mono_id: str = "listadine") -> Path:
    """Write one monograph whose Usage section is a list of items entries."""
    title = mono_id.capitalize()
    usage = "".join(f"* Mild pain {k:06d}.\n" for k in range(items))
    text = (
        f"---\ntitle: {title}\n---\n# {title}\n### Generic Name\n{title}\n\n"
        f"### Usage\n{usage}\n### Dosage\nOne tablet of {title} daily, for an allergy.\n\n"
        f"### Side Effects\n* Nausea.\n\n### Precautions\n* Ask a doctor first.\n"
    )
    return write(root, mono_id, text)
