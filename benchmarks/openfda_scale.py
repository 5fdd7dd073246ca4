"""Scale check of `medref.openfda.import_files` against a bare reference loop.

Usage::

    python benchmarks/openfda_scale.py [--labels 20000] [--rx-share 0.4] [--workdir DIR]
                                       [--index]

Writes a synthetic bulk file (`drug-label-0001-of-0001.json.zip`, the published shape)
from templates in this file, then runs, each in its own process:

* import: `import_files([zip], out)` (the default: one monograph per generic and route);
* reference: `json.load` of the same file, each record's text fields joined, and inserted
  into a bare FTS5 table (`tokenize='porter unicode61 remove_diacritics 2'`).

It prints the wall time and peak RSS (ru_maxrss) of both and their ratios. With --index
it also builds medref's own index over the monographs (`medref list`) and prints its size.
No real label text: every sentence is made up below. Standard library only, plus medref.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

# --------------------------------------------------------------------------- generator

_SYLLABLES = "zor vax in tel mo pra dex cor lin fen ol ta ri sul bu zep ra no vi lam"
SYLLABLES = _SYLLABLES.split()
SALTS = ["", "", "", " HYDROCHLORIDE", " SODIUM", " SUCCINATE"]
ROUTES = ["ORAL"] * 8 + ["TOPICAL", "INTRAVENOUS"]
SUBJECTS = ["Patients", "Older adults", "Children", "People with kidney disease", "Some users"]
VERBS = ["may notice", "should report", "can develop", "rarely get", "often describe"]
OBJECTS = [
    "mild headache",
    "a dry mouth",
    "changes in sleep",
    "an upset stomach",
    "a slower pulse",
    "raised liver tests (<1% of cases)",
]
TAILS = [
    "during the first week.",
    "when the dose is raised.",
    "at doses above 40 mg.",
    "[see Warnings and Precautions (5.2)].",
    "and this usually settles.",
]
RX_SECTIONS = [
    (1, "INDICATIONS AND USAGE", "indications_and_usage", 0.04),
    (2, "DOSAGE AND ADMINISTRATION", "dosage_and_administration", 0.10),
    (4, "CONTRAINDICATIONS", "contraindications", 0.02),
    (5, "WARNINGS AND PRECAUTIONS", "warnings_and_cautions", 0.16),
    (6, "ADVERSE REACTIONS", "adverse_reactions", 0.16),
    (7, "DRUG INTERACTIONS", "drug_interactions", 0.06),
    (8, "USE IN SPECIFIC POPULATIONS", "use_in_specific_populations", 0.08),
    (10, "OVERDOSAGE", "overdosage", 0.02),
    (11, "DESCRIPTION", "description", 0.04),
    (12, "CLINICAL PHARMACOLOGY", "clinical_pharmacology", 0.14),
    (14, "CLINICAL STUDIES", "clinical_studies", 0.12),
    (17, "PATIENT COUNSELING INFORMATION", "information_for_patients", 0.06),
]


def sentence(rng: random.Random, drug: str) -> str:
    return (
        f"{rng.choice(SUBJECTS)} taking {drug.lower()} {rng.choice(VERBS)} "
        f"{rng.choice(OBJECTS)} {rng.choice(TAILS)}"
    )


def body(rng: random.Random, drug: str, num: int, chars: int) -> str:
    parts: list[str] = []
    size, sub = 0, 0
    while size < chars:
        if size == 0 or rng.random() < 0.08:
            sub += 1
            parts.append(f"{num}.{sub} Topic {rng.choice(SYLLABLES).title()} Review")
        s = sentence(rng, drug)
        parts.append(s)
        size += len(s) + 1
    return " ".join(parts)


def table(rng: random.Random) -> str:
    rows = "".join(
        f"<tr><td>{rng.choice(OBJECTS)}</td><td>{rng.randint(1, 20)}</td>"
        f"<td>{rng.randint(0, 9)}</td></tr>"
        for _ in range(rng.randint(4, 15))
    )
    return (
        "<table><caption>Table 1: Made-up rates</caption><thead><tr><th>Reaction</th>"
        f"<th>Drug %</th><th>Placebo %</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def label(rng: random.Random, n: int, generics: list[tuple[str, str]], rx_share: float) -> dict:
    generic, route = generics[rng.randrange(len(generics))]
    rx = rng.random() < rx_share
    set_id = f"{n:08x}-0000-4000-8000-{rng.getrandbits(48):012x}"
    rec: dict = {
        "id": f"{rng.getrandbits(32):08x}-1111-4000-8000-{n:012x}",
        "set_id": set_id,
        "version": str(rng.randint(1, 20)),
        "effective_time": f"{rng.randint(2008, 2026)}{rng.randint(1, 12):02d}"
        f"{rng.randint(1, 28):02d}",
        "openfda": {
            "generic_name": [generic],
            "brand_name": [f"{rng.choice(SYLLABLES).upper()}{rng.choice(SYLLABLES).upper()}"],
            "substance_name": [generic],
            "manufacturer_name": [f"Maker {n % 300}"],
            "product_type": ["HUMAN PRESCRIPTION DRUG" if rx else "HUMAN OTC DRUG"],
            "route": [route],
            "application_number": [("NDA" if rng.random() < 0.15 else "ANDA") + f"{n:06d}"],
            "pharm_class_epc": ["Made-up Class [EPC]"],
        },
        "spl_product_data_elements": [f"Product {generic.title()} {generic} CELLULOSE"],
    }
    if rx:
        total = int(30_000 * (250 / 30) ** rng.random())  # 30-250 KB, log-uniform
        for num, title, fld, share in RX_SECTIONS:
            rec[fld] = [f"{num} {title} " + body(rng, generic, num, int(total * share))]
        rec["adverse_reactions_table"] = [table(rng) for _ in range(rng.randint(1, 3))]
        if rng.random() < 0.1:
            rec["boxed_warning"] = ["WARNING: MADE-UP RISK " + body(rng, generic, 0, 600)]
    else:
        rec["active_ingredient"] = [f"Active ingredient (in each tablet) {generic.title()} 10 mg"]
        rec["purpose"] = ["Purpose Made-up reliever"]
        rec["indications_and_usage"] = ["Uses \u2022 " + sentence(rng, generic)]
        rec["warnings"] = ["Warnings " + " ".join(sentence(rng, generic) for _ in range(12))]
        rec["do_not_use"] = ["Do not use \u2022 " + sentence(rng, generic)]
        rec["dosage_and_administration"] = ["Directions \u2022 " + sentence(rng, generic)]
        rec["questions"] = ["Questions? Call 1-800-555-0199"]
    return rec


def generate(path: Path, labels: int, rx_share: float, seed: int = 7) -> None:
    rng = random.Random(seed)
    names = {
        "".join(rng.choice(SYLLABLES) for _ in range(3)).upper() + rng.choice(SALTS)
        for _ in range(max(1, labels // 8))
    }
    generics = [(g, rng.choice(ROUTES)) for g in sorted(names)]
    member = path.name.removesuffix(".zip")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf, zf.open(member, "w") as out:
        meta = {"results": {"skip": 0, "limit": labels, "total": labels}}
        out.write(('{"meta": ' + json.dumps(meta) + ', "results": [\n').encode())
        for n in range(labels):
            out.write(
                ((",\n" if n else "") + json.dumps(label(rng, n, generics, rx_share))).encode()
            )
        out.write(b"\n]}\n")


# --------------------------------------------------------------------------- the two runs


def run_import(zip_path: Path, out: Path) -> dict:
    from medref.openfda import import_files

    s = import_files([zip_path], out)
    return {"labels": s.labels_read, "monographs": s.monographs, "skipped": len(s.skipped)}


def run_reference(zip_path: Path, db: Path) -> dict:
    with zipfile.ZipFile(zip_path) as zf, zf.open(zf.namelist()[0]) as fh:
        data = json.load(fh)
    conn = sqlite3.connect(db)
    conn.execute(
        "CREATE VIRTUAL TABLE t USING fts5(body, tokenize='porter unicode61 remove_diacritics 2')"
    )
    with conn:
        for rec in data["results"]:
            text = "\n".join(
                s for v in rec.values() if isinstance(v, list) for s in v if isinstance(s, str)
            )
            conn.execute("INSERT INTO t(body) VALUES (?)", (text,))
    conn.close()
    return {"labels": len(data["results"])}


def child(kind: str, zip_path: str, target: str) -> None:
    start = time.perf_counter()
    result = (run_import if kind == "import" else run_reference)(Path(zip_path), Path(target))
    result["seconds"] = time.perf_counter() - start
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def measure(kind: str, zip_path: Path, target: Path) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, str(zip_path), str(target)]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:5])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--labels", type=int, default=20_000)
    ap.add_argument("--rx-share", type=float, default=0.4)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/medref-openfda-bench"))
    ap.add_argument("--index", action="store_true", help="also build medref's index")
    args = ap.parse_args()
    work = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    zip_path = work / f"drug-label-{args.labels}-{args.rx_share}.json.zip"
    if not zip_path.exists():
        t = time.perf_counter()
        generate(zip_path, args.labels, args.rx_share)
        print(f"generated {zip_path} in {time.perf_counter() - t:.1f} s")
    with zipfile.ZipFile(zip_path) as zf:
        unzipped = zf.infolist()[0].file_size
    print(
        f"bulk file: {args.labels} labels, {zip_path.stat().st_size / 1e6:.1f} MB zipped, "
        f"{unzipped / 1e6:.1f} MB of JSON"
    )
    out = work / "out"
    db = work / "reference.sqlite"
    for p in [*out.glob("*"), db]:
        if p.is_file():
            p.unlink()
    imp = measure("import", zip_path, out)
    ref = measure("reference", zip_path, db)
    mono_bytes = dir_bytes(out)
    print(
        f"import:    {imp['seconds']:7.1f} s  peak RSS {imp['peak_rss_mb']:7.0f} MB  "
        f"({imp['labels']} labels -> {imp['monographs']} monographs, {mono_bytes / 1e6:.1f} MB)"
    )
    print(
        f"reference: {ref['seconds']:7.1f} s  peak RSS {ref['peak_rss_mb']:7.0f} MB  "
        f"(FTS5 file {db.stat().st_size / 1e6:.1f} MB)"
    )
    print(
        f"ratio import/reference: time {imp['seconds'] / ref['seconds']:.2f}x, "
        f"peak RSS {imp['peak_rss_mb'] / ref['peak_rss_mb']:.2f}x"
    )
    if args.index:
        cache = work / "cache"
        env = dict(os.environ, MEDREF_CACHE_DIR=str(cache))
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "medref", "--corpus", str(out), "list"],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        size = dir_bytes(cache)
        print(
            f"medref index: {time.perf_counter() - t:.1f} s, {size / 1e6:.1f} MB "
            f"({size / max(mono_bytes, 1):.2f}x the monographs)"
        )


if __name__ == "__main__":
    main()
