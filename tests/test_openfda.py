"""The openFDA label importer (medref.openfda): fixtures in tests/fixtures/openfda are
written for these tests in the published record shape; they hold no real label text."""

from __future__ import annotations

import copy
import io
import json
import os
import re
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from localserver import ZIP_NAME, Server, publish, serve
from medref.errors import DownloadProblem, UsageError
from medref.models import Monograph, Section
from medref.names import name_key
from medref.openfda import (
    DEFAULT_MANIFEST_URL,
    MANIFEST_ENV,
    ImportSummary,
    default_import_dir,
    download_files,
    import_files,
    plan_download,
)
from medref.openfda import download as download_mod
from medref.openfda.write import STATE_NAME
from medref.parse import _markdown, parse

FIX = Path(__file__).parent / "fixtures" / "openfda"


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIX / name).read_text())
    return data


def records(name: str) -> list[Any]:
    return list(load(name)["results"])


def bulk(recs: list[Any], total: int | None = None) -> dict[str, Any]:
    n = len(recs) if total is None else total
    return {"meta": {"results": {"skip": 0, "limit": 20000, "total": n}}, "results": recs}


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data))
    return path


def zip_bytes(data: dict[str, Any], member: str = "drug-label-0001-of-0001.json") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(member, json.dumps(data))
    return buf.getvalue()


def mono(path: Path) -> Monograph:
    return parse(path.read_text(), path=str(path), mono_id=path.stem)


def section(m: Monograph, key: str) -> Section:
    found = [s for s in m.sections if s.key == key]
    assert len(found) == 1, [s.key for s in m.sections]
    return found[0]


def front(path: Path) -> dict[str, Any]:
    text = path.read_text()
    data: dict[str, Any] = yaml.safe_load(text.split("---\n")[1])
    return data


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    def start(self, task: str, total: int | None, unit: str) -> None:
        self.events.append(("start", (task, total, unit)))

    def advance(self, n: int) -> None:
        self.events.append(("advance", n))

    def finish(self) -> None:
        self.events.append(("finish", None))


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return tmp_path / "out"


# ---------------------------------------------------------------------------------------
# A modern prescription label


def test_modern_label_sections_in_order_with_boxed_warning_first(out: Path) -> None:
    s = import_files([FIX / "rx_modern.json"], out)
    assert (s.labels_read, s.written, s.skipped) == (1, 1, [])
    path = out / "fda-metoprolol-succinate.md"
    assert s.files == [path]
    m = mono(path)
    assert m.problems == ()
    assert [x.key for x in m.sections] == [
        "boxed-warning",
        "generic-name",
        "usage",
        "dosage",
        "side-effects",
        "how-it-works",
        "precautions",
        "contraindications",
        "drug-interactions",
        "use-in-specific-populations",
        "overdosage",
        "patient-information",
        "disclaimer",
    ]
    assert "Stopping this medicine all at once" in section(m, "boxed-warning").text
    assert "DO NOT STOP ALL AT ONCE" in section(m, "boxed-warning").text
    # Fields the monograph does not show stay out; mechanism_of_action wins over
    # clinical_pharmacology.
    text = path.read_text()
    assert "DESCRIPTION-MARKER" not in text and "CLINPHARM-MARKER" not in text
    assert section(m, "how-it-works").text.startswith("Metoprolol blocks beta-1")
    assert "not medical advice" in section(m, "disclaimer").text


def test_numbered_subsections_become_subheadings_inside_their_section(out: Path) -> None:
    import_files([FIX / "rx_modern.json"], out)
    m = mono(out / "fda-metoprolol-succinate.md")
    dosage = section(m, "dosage")
    heads = [b.plain() for b in dosage.blocks if b.kind == "h"]
    assert heads == ["Recommended Dosage", "Dosage in Hypertension", "Dosage Forms and Strengths"]
    # "2.3 Dosing" names a section: it is a bold line, still inside Dosage.
    bold = [b.plain() for b in dosage.blocks if b.kind == "p" and b.spans[0][1] & 1]
    assert bold == ["Dosing"]
    assert "raised at weekly steps" in dosage.text
    assert "A dose of 2.5 mg is not made." in dosage.text  # "2.5 mg" is not a sub-section
    # Numbers and titles the label embeds are gone; a number inside a sentence stays.
    assert "2.1" not in dosage.text and "2.2" not in dosage.text
    assert "The steps in 2.3 Dosing Steps of the old leaflet no longer apply." in dosage.text
    assert "DOSAGE AND ADMINISTRATION" not in dosage.text
    usage = section(m, "usage")
    assert [b.plain() for b in usage.blocks if b.kind == "h"] == ["Hypertension", "Heart Failure"]
    assert usage.text.startswith("Cardiosteady is a beta-blocker")
    precautions = section(m, "precautions")
    assert [b.plain() for b in precautions.blocks if b.kind == "h"] == [
        "Ischemic Heart Disease",
        "Heart Failure",
        "Bronchospastic Disease",
    ]
    interactions = section(m, "drug-interactions")
    assert [b.plain() for b in interactions.blocks if b.kind == "h"] == [
        "Catecholamine-Depleting Drugs",
        "CYP2D6 Inhibitors",
    ]


def test_cross_references_are_tidied(out: Path) -> None:
    import_files([FIX / "rx_modern.json"], out)
    text = (out / "fda-metoprolol-succinate.md").read_text()
    assert "(see Warnings and Precautions)" in text
    assert "(see Clinical Pharmacology)" in text
    assert "(see Dosage and Administration)" in text
    assert "[see" not in text and "(5.1)" not in text and "(5.2)" not in text
    assert "(12.3)" not in text


def test_bullets_become_a_list_and_less_than_survives(out: Path) -> None:
    import_files([FIX / "rx_modern.json"], out)
    m = mono(out / "fda-metoprolol-succinate.md")
    side = section(m, "side-effects")
    items = [b.plain() for b in side.blocks if b.kind == "li"]
    assert items == [
        "Worse chest pain after sudden stopping (see Warnings and Precautions)",
        "Heart failure getting worse",
    ]
    assert "Rash happened in <1% of patients" in side.text


def test_html_table_becomes_a_markdown_table(out: Path) -> None:
    import_files([FIX / "rx_modern.json"], out)
    path = out / "fda-metoprolol-succinate.md"
    side = section(mono(path), "side-effects")
    rows = [b.plain() for b in side.blocks if b.kind in ("th", "td")]
    assert rows[0] == "Reaction | Drug % (n=100) | Placebo % (n=100)"
    assert "Tiredness | 10 | 6" in rows
    assert "Table 1: Reactions in 1% or more of patients" in side.text
    # The "|" inside a cell is escaped: the row still has three cells, and "&lt;1" is "<1".
    tokens = _markdown().parse(side.markdown)
    cells: list[list[str]] = []
    for n, t in enumerate(tokens):
        if t.type == "tr_open":
            cells.append([])
        elif t.type in ("td_open", "th_open"):
            cells[-1].append(tokens[n + 1].content)
    dizzy = [r for r in cells if r and r[0].startswith("Dizziness")]
    assert len(dizzy) == 1 and len(dizzy[0]) == 3
    assert any(r.startswith("Dizziness | lightheadedness | 10 | <1") for r in rows)


def test_front_matter(out: Path) -> None:
    import_files([FIX / "rx_modern.json"], out)
    fm = front(out / "fda-metoprolol-succinate.md")
    assert fm["title"] == "Metoprolol Succinate"
    assert fm["aliases"] == ["Cardiosteady", "Metoprolol"]
    assert fm["class"] == "beta-Adrenergic Blocker"
    assert fm["tags"] == ["Test Class Two", "Adrenergic beta-Antagonists"]
    assert fm["route"] == "oral"
    assert fm["imported"] == "openfda"
    assert fm["source"] == {
        "set_id": "5e700001-1111-4222-8333-444455556666",
        "id": "0f000001-aaaa-4bbb-8ccc-000000000001",
        "effective_time": "20240315",
        "product_type": "prescription",
        "manufacturer": "Example Pharma Inc.",
        "url": "https://dailymed.nlm.nih.gov/dailymed/lookup.cfm?"
        "setid=5e700001-1111-4222-8333-444455556666",
        "labels": 1,
    }


def test_titles_that_read_as_yaml_booleans_stay_text(out: Path, tmp_path: Path) -> None:
    rec = records("rx_old.json")[0]
    rec["openfda"]["generic_name"] = ["NO"]
    rec["openfda"]["substance_name"] = ["NO"]
    rec["spl_product_data_elements"] = ["No gas NO"]
    import_files([write_json(tmp_path / "no.json", bulk([rec]))], out)
    fm = front(out / "fda-no.md")
    assert fm["title"] == "No"
    assert mono(out / "fda-no.md").title == "No"


# ---------------------------------------------------------------------------------------
# An older prescription label, an OTC label


def test_older_label_warnings_precautions_and_clinical_pharmacology(out: Path) -> None:
    import_files([FIX / "rx_old.json"], out)
    m = mono(out / "fda-hydroxyzine-hydrochloride.md")
    assert [x.key for x in m.sections] == [
        "generic-name",
        "usage",
        "dosage",
        "side-effects",
        "how-it-works",
        "precautions",
        "pregnancy",
        "overdosage",
        "faqs",
        "disclaimer",
    ]
    assert section(m, "how-it-works").text.startswith("Hydroxyzine acts on the central")
    prec = section(m, "precautions").text
    assert "This drug can cause drowsiness." in prec
    assert "Sleepiness is more likely" in prec
    assert "WARNINGS" not in prec and "PRECAUTIONS" not in prec
    assert section(m, "usage").text.startswith("For relief of itching")


def test_information_for_patients_with_questions_becomes_faqs(out: Path) -> None:
    import_files([FIX / "rx_old.json"], out)
    m = mono(out / "fda-hydroxyzine-hydrochloride.md")
    assert [(f.question, f.answer) for f in m.faqs] == [
        (
            "What should I tell my doctor before starting?",
            "Tell your doctor about all medicines you take, including ones bought without a "
            "prescription.",
        ),
        (
            "Can I drive while taking this medicine?",
            "It may make you sleepy, so wait to drive until you know how it affects you.",
        ),
        ("What if I miss a dose?", "Take it when you remember, unless the next dose is near."),
    ]


def test_information_for_patients_without_questions_is_patient_information(out: Path) -> None:
    import_files([FIX / "rx_modern.json"], out)
    m = mono(out / "fda-metoprolol-succinate.md")
    assert m.faqs == ()
    info = section(m, "patient-information")
    assert [b.plain() for b in info.blocks if b.kind == "h"] == ["Stopping Treatment"]


def test_questions_without_answers_stay_patient_information(out: Path, tmp_path: Path) -> None:
    rec = records("rx_old.json")[0]
    rec["information_for_patients"] = [
        "Information for Patients Patients may ask: Is this medicine right for me? "
        "Should other medicines be stopped? Talk these over with each patient."
    ]
    import_files([write_json(tmp_path / "q.json", bulk([rec]))], out)
    m = mono(out / "fda-hydroxyzine-hydrochloride.md")
    assert m.faqs == ()
    assert section(m, "patient-information").text.startswith("Patients may ask: Is this")


def test_otc_label(out: Path) -> None:
    import_files([FIX / "otc.json"], out)
    path = out / "fda-naproxen-sodium.md"
    m = mono(path)
    assert [x.key for x in m.sections] == [
        "generic-name",
        "usage",
        "dosage",
        "how-it-works",
        "precautions",
        "disclaimer",
    ]
    fm = front(path)
    assert fm["source"]["product_type"] == "OTC"
    assert fm["source"]["questions"] == "Questions or comments? Call 1-800-555-0100 weekdays"
    assert m.faqs == ()  # the questions line is a contact line, never an FAQ
    assert "555-0100" not in "".join(s.text for s in m.sections)
    usage = section(m, "usage")
    assert "Pain reliever/fever reducer" in usage.text  # purpose, for OTC labels
    assert "headache" in [b.plain() for b in usage.blocks if b.kind == "li"]
    dosage = section(m, "dosage")
    items = [b.plain() for b in dosage.blocks if b.kind == "li"]
    assert items[0] == "do not take more than directed"
    assert "Directions" not in dosage.text
    prec = section(m, "precautions")
    assert [b.plain() for b in prec.blocks if b.kind == "h"] == [
        "Do not use",
        "Ask a doctor before use if you have",
        "When using this product",
        "Stop use and ask a doctor if",
        "If pregnant or breast-feeding",
        "Keep out of reach of children",
    ]
    # The warnings field repeats the other fields word for word: shown once.
    text = path.read_text()
    assert text.count("right before or after heart surgery") == 1
    assert text.count("ask a health professional before use") == 1
    assert text.count("Poison Control Center") == 1
    assert "Allergy alert: Naproxen sodium may cause" in prec.text  # not repeated elsewhere
    assert section(m, "how-it-works").text == (
        "Mechanism of action (FDA class): Cyclooxygenase Inhibitors."
    )


# ---------------------------------------------------------------------------------------
# Titles, duplicates, aliases


def test_missing_openfda_block_and_one_naming_another_product(out: Path) -> None:
    s = import_files([FIX / "openfda_odd.json"], out)
    assert s.retitled == 1
    assert sorted(p.name for p in s.files) == ["fda-menthol-rub.md", "fda-zinc-oxide.md"]
    rub = front(out / "fda-menthol-rub.md")
    assert rub["title"] == "Menthol Rub" and "aliases" not in rub
    zinc = front(out / "fda-zinc-oxide.md")
    # Nothing of the other product's openfda block is used.
    assert zinc["title"] == "Zinc oxide"
    assert "aliases" not in zinc and "class" not in zinc and "route" not in zinc
    assert "manufacturer" not in zinc["source"]
    assert "Lisinopril" not in (out / "fda-zinc-oxide.md").read_text()


def test_same_set_id_newest_effective_time_wins(out: Path) -> None:
    s = import_files([FIX / "same_set_id.json"], out)
    assert s.labels_read == 2
    assert len(s.files) == 1
    text = s.files[0].read_text()
    assert "NEWVERSION" in text and "OLDVERSION" not in text
    assert front(s.files[0])["source"]["labels"] == 1


def test_many_manufacturers_one_monograph_per_generic_and_route(out: Path) -> None:
    s = import_files([FIX / "manufacturers.json"], out)
    assert [p.name for p in s.files] == ["fda-ibuprofen-oral.md", "fda-ibuprofen-topical.md"]
    oral = out / "fda-ibuprofen-oral.md"
    fm = front(oral)
    assert fm["title"] == "Ibuprofen (oral)"
    # The reference (NDA) label wins over newer ANDA labels.
    assert "REFERENCE-LABEL" in oral.read_text() and "ANDA-NEWEST" not in oral.read_text()
    assert fm["source"]["labels"] == 3
    # The generic name split by route is a name of each route's monograph too.
    assert fm["aliases"] == ["Ibuprofen", "Fenbrand", "Painease"]
    generic = section(mono(oral), "generic-name").text
    assert "This monograph stands for 3 FDA labels of ibuprofen for oral use" in generic
    topical = front(out / "fda-ibuprofen-topical.md")
    assert topical["title"] == "Ibuprofen (topical)" and topical["source"]["labels"] == 1


def test_without_a_reference_label_the_newest_wins(out: Path, tmp_path: Path) -> None:
    recs = records("manufacturers.json")[1:3]  # two ANDA labels
    import_files([write_json(tmp_path / "m.json", bulk(recs))], out)
    text = (out / "fda-ibuprofen.md").read_text()
    assert "ANDA-NEWEST" in text
    assert front(out / "fda-ibuprofen.md")["title"] == "Ibuprofen"  # one route: no route


def test_per_label_keeps_one_monograph_per_label(out: Path) -> None:
    s = import_files([FIX / "manufacturers.json"], out, per_label=True)
    names = sorted(p.name for p in s.files)
    assert names == [
        "fda-ibuprofen-oral-1b000001.md",
        "fda-ibuprofen-oral-1b000002.md",
        "fda-ibuprofen-oral-1b000003.md",
        "fda-ibuprofen-topical-1b000004.md",
    ]
    assert front(out / names[1])["title"] == "Ibuprofen (oral; Generic One)"
    assert all(front(out / n)["source"]["labels"] == 1 for n in names)


def test_hand_written_names_are_not_added_as_aliases(out: Path) -> None:
    bundled = ["Acetaminophen", "Paracetamol", "Tylenol", "Panadol", "APAP"]
    import_files(
        [FIX / "acetaminophen.json"], out, hand_written_names={name_key(n) for n in bundled}
    )
    fm = front(out / "fda-acetaminophen.md")
    assert fm["aliases"] == ["Mapain"]
    assert fm["source"]["labels"] == 2


def test_moiety_alias_unless_hand_written_or_taken(out: Path, tmp_path: Path) -> None:
    import_files([FIX / "rx_modern.json"], out, hand_written_names={name_key("Metoprolol")})
    assert front(out / "fda-metoprolol-succinate.md")["aliases"] == ["Cardiosteady"]
    # Two salts of one moiety in one import: only the first gets the moiety as an alias.
    rec = records("rx_modern.json")[0]
    other = copy.deepcopy(rec)
    other["set_id"] = "5e700002-1111-4222-8333-444455556666"
    for key in ("generic_name", "substance_name"):
        other["openfda"][key] = ["METOPROLOL TARTRATE"]
    other["openfda"]["brand_name"] = ["TARTROSTEADY"]
    other["spl_product_data_elements"] = ["Tartrosteady metoprolol tartrate METOPROLOL"]
    out2 = tmp_path / "out2"
    import_files([write_json(tmp_path / "two.json", bulk([rec, other]))], out2)
    assert front(out2 / "fda-metoprolol-succinate.md")["aliases"] == ["Cardiosteady", "Metoprolol"]
    assert front(out2 / "fda-metoprolol-tartrate.md")["aliases"] == ["Tartrosteady"]


# ---------------------------------------------------------------------------------------
# Files: zip, damaged input, stdin


def test_zip_bulk_file(out: Path, tmp_path: Path) -> None:
    recs = records("rx_modern.json") + records("otc.json")
    z = tmp_path / "drug-label-0001-of-0001.json.zip"
    z.write_bytes(zip_bytes(bulk(recs)))
    s = import_files([z], out)
    assert s.labels_read == 2 and s.skipped == []
    assert [p.name for p in s.files] == ["fda-metoprolol-succinate.md", "fda-naproxen-sodium.md"]
    plain = tmp_path / "plain"
    import_files([FIX / "rx_modern.json"], plain)
    assert (out / "fda-metoprolol-succinate.md").read_text() == (
        plain / "fda-metoprolol-succinate.md"
    ).read_text()


def test_damaged_inputs_are_skipped_with_one_line_reasons(out: Path, tmp_path: Path) -> None:
    data = zip_bytes(bulk(records("otc.json")))
    truncated = tmp_path / "truncated.json.zip"
    truncated.write_bytes(data[: len(data) // 2])
    not_json = tmp_path / "notes.json"
    not_json.write_text("these are notes, not JSON\n")
    cut = tmp_path / "cut.json"  # cut inside its second record: the first is not imported
    cut.write_text(json.dumps(bulk(records("otc.json") + records("rx_old.json")))[:-200])
    s = import_files(
        [truncated, not_json, cut, FIX / "bad_records.json", FIX / "rx_modern.json"], out
    )
    reasons = dict(s.skipped[:3])
    assert reasons[str(truncated)].startswith("not a readable zip file (truncated or damaged")
    assert reasons[str(not_json)].startswith("not JSON")
    assert reasons[str(cut)].startswith("JSON cut short or damaged")
    bad = [r for src, r in s.skipped if src.endswith("bad_records.json")]
    assert bad == [
        "record 1 is a number, not an object; skipped",
        "record 2 is a list, not an object; skipped",
        "record 3 has no set_id; skipped",
        "record 4 (set_id bad00007-1111-4222-8333-444455556666): field 'adverse_reactions' is "
        "a string, not a list of text; left out",
        "record 4 (set_id bad00007-1111-4222-8333-444455556666): field 'overdosage' is a "
        "list, not a list of text; left out",
    ]
    assert all("\n" not in r for _, r in s.skipped)
    assert s.skipped_any
    # Everything else is imported, the record with a wrong field too (without that field).
    assert [p.name for p in s.files] == [
        "fda-cetirizine-hydrochloride.md",
        "fda-metoprolol-succinate.md",
    ]
    cetirizine = mono(out / "fda-cetirizine-hydrochloride.md")
    assert "WRONGTYPE" in section(cetirizine, "usage").text
    assert "side-effects" not in [x.key for x in cetirizine.sections]
    json.dumps(s.to_dict())


def crc_damaged_zip(recs: list[Any]) -> bytes:
    """A stored (uncompressed) zip with one letter changed: still valid JSON, bad CRC."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("x.json", json.dumps(bulk(recs)))
    data = buf.getvalue()
    at = data.index(b"Pain reliever")
    return data[:at] + b"Rain" + data[at + 4 :]


def test_zip_with_a_bad_crc_is_skipped(out: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json.zip"
    bad.write_bytes(crc_damaged_zip(records("otc.json")))
    s = import_files([bad, FIX / "rx_modern.json"], out)
    assert len(s.skipped) == 1 and s.skipped[0][0] == str(bad)
    assert re.fullmatch(r"damaged zip file.* \(Bad CRC-32 for file 'x.json'\)", s.skipped[0][1])
    assert [p.name for p in s.files] == ["fda-metoprolol-succinate.md"]


def test_missing_source_is_a_usage_error(out: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no files to import"):
        import_files([], out, complete=True)
    with pytest.raises(UsageError, match="no such file"):
        import_files([FIX / "rx_modern.json", tmp_path / "nope.json"], out)
    assert not (out / "fda-metoprolol-succinate.md").exists()


def test_dash_reads_standard_input(out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = zip_bytes(bulk(records("otc.json")))

    class FakeStdin:
        buffer = io.BytesIO(data)

    monkeypatch.setattr(sys, "stdin", FakeStdin())
    s = import_files(["-"], out)
    assert [p.name for p in s.files] == ["fda-naproxen-sodium.md"]
    state = json.loads((out / STATE_NAME).read_text())
    assert state["monographs"]["fda-naproxen-sodium"]["labels"] == {
        "07c00003-1111-4222-8333-444455556666": "-"
    }


# ---------------------------------------------------------------------------------------
# Re-import, prune, complete


def test_reimport_updates_in_place(out: Path, tmp_path: Path) -> None:
    src = tmp_path / "a.json"
    write_json(src, load("rx_modern.json"))
    first = import_files([src], out)
    assert (first.written, first.updated, first.unchanged) == (1, 0, 0)
    again = import_files([src], out)
    assert (again.written, again.updated, again.unchanged) == (0, 0, 1)
    data = load("rx_modern.json")
    data["results"][0]["overdosage"] = ["10 OVERDOSAGE A changed overdose text."]
    write_json(src, data)
    changed = import_files([src], out)
    assert (changed.written, changed.updated, changed.unchanged) == (0, 1, 0)
    assert "A changed overdose text." in (out / "fda-metoprolol-succinate.md").read_text()
    assert sorted(p.name for p in out.iterdir()) == [
        ".medref-openfda.json",
        ".medref-openfda.lock",
        "fda-metoprolol-succinate.md",
    ]


def test_prune_and_complete_remove_only_vanished_imported_files(out: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    write_json(a, load("rx_modern.json"))
    write_json(b, load("otc.json"))
    import_files([a], out)
    import_files([b], out)  # importing one file never deletes the rest
    assert (out / "fda-metoprolol-succinate.md").exists()
    out.joinpath("notes.md").write_text("# my notes\n")
    out.joinpath("fda-mine.md").write_text("---\ntitle: Mine\n---\n")
    # a.json now holds another label: without prune, the old monograph stays.
    write_json(a, load("rx_old.json"))
    s = import_files([a], out)
    assert s.removed == 0 and (out / "fda-metoprolol-succinate.md").exists()
    # With prune, the monograph whose label is gone from a.json goes; b.json's stays.
    s = import_files([a], out, prune=True)
    assert s.removed == 1
    assert not (out / "fda-metoprolol-succinate.md").exists()
    assert (out / "fda-naproxen-sodium.md").exists()
    # complete: a.json is the whole export, so b.json's monograph goes too.
    s = import_files([a], out, complete=True)
    assert s.removed == 1
    assert sorted(p.name for p in out.glob("*.md")) == [
        "fda-hydroxyzine-hydrochloride.md",
        "fda-mine.md",
        "notes.md",
    ]
    assert a.exists() and b.exists()  # files outside out_dir are never touched


def test_nothing_is_removed_when_a_source_fails(out: Path, tmp_path: Path) -> None:
    import_files([FIX / "otc.json"], out)
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    s = import_files([broken, FIX / "rx_old.json"], out, complete=True)
    assert s.removed == 0
    assert (out / "fda-naproxen-sodium.md").exists()
    assert ("(prune)", "nothing removed, because a source file could not be read") in s.skipped


def test_a_file_the_import_did_not_write_is_never_overwritten(out: Path) -> None:
    out.mkdir()
    mine = out / "fda-naproxen-sodium.md"
    mine.write_text("---\ntitle: My own notes\n---\n")
    s = import_files([FIX / "otc.json"], out)
    assert mine.read_text() == "---\ntitle: My own notes\n---\n"
    assert s.files == [] and s.skipped[0][0] == "fda-naproxen-sodium.md"
    s = import_files([FIX / "otc.json"], out, complete=True)
    assert mine.exists()


def test_progress_and_summary(out: Path) -> None:
    rec = Recorder()
    s = import_files([FIX / "manufacturers.json"], out, progress=rec)
    starts = [e[1] for e in rec.events if e[0] == "start"]
    size = (FIX / "manufacturers.json").stat().st_size
    assert starts == [("Reading labels", size, "bytes"), ("Writing monographs", 2, "monographs")]
    advanced = [e[1] for e in rec.events if e[0] == "advance"]
    assert sum(advanced[:-2]) == size and advanced[-2:] == [1, 1]
    assert [e[0] for e in rec.events].count("finish") == 2
    d = s.to_dict()
    assert isinstance(s, ImportSummary)
    assert d["labels_read"] == 4 and d["written"] == 2 and d["skipped"] == []
    assert json.loads(json.dumps(d)) == d


def test_default_import_dir_follows_xdg_data_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert default_import_dir() == tmp_path / "xdg" / "medref" / "monographs" / "openfda"
    assert default_import_dir().parts[-2:] == ("monographs", "openfda")


def test_prose_is_never_read_as_html(out: Path, tmp_path: Path) -> None:
    rec = records("rx_old.json")[0]
    rec["overdosage"] = ["OVERDOSAGE Levels <2 mg/L and <b>x</b> are text; a*b*c and [x](y)."]
    import_files([write_json(tmp_path / "p.json", bulk([rec]))], out)
    m = mono(out / "fda-hydroxyzine-hydrochloride.md")
    assert section(m, "overdosage").text == (
        "Levels <2 mg/L and <b>x</b> are text; a*b*c and [x](y)."
    )


# ---------------------------------------------------------------------------------------
# Downloads, against a real local HTTP server


@pytest.fixture
def server() -> Iterator[Server]:
    with serve() as srv:
        yield srv


@pytest.fixture
def payload() -> bytes:
    recs = records("rx_modern.json") + records("otc.json")
    # Stored, not deflated, so that the file is large enough to cut in the middle.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(ZIP_NAME.removesuffix(".zip"), json.dumps(bulk(recs)))
    return buf.getvalue()


@pytest.fixture(autouse=True)
def no_retry_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(download_mod, "RETRY_PAUSE", 0.0)


def test_plan_download_reads_the_manifest(
    server: Server, payload: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = publish(server, payload)
    assert DEFAULT_MANIFEST_URL == "https://api.fda.gov/download.json"
    monkeypatch.setenv(MANIFEST_ENV, url)
    plan = plan_download()
    assert plan.manifest_url == url
    assert [(f.url.rsplit("/", 1)[1], f.records) for f in plan.files] == [(ZIP_NAME, 2)]
    assert plan.total_records == 2
    assert abs(plan.total_bytes - len(payload)) <= 50
    assert plan.estimated_monograph_bytes > 0 and plan.estimated_index_bytes > 0
    json.dumps(plan.to_dict())


def test_download_resumes_after_a_dropped_connection(
    server: Server, payload: bytes, tmp_path: Path
) -> None:
    plan = plan_download(publish(server, payload))
    server.drops = [1000]  # the first response stops after 1000 bytes
    rec = Recorder()
    paths = download_files(plan, tmp_path / "dl", progress=rec)
    assert paths == [tmp_path / "dl" / ZIP_NAME]
    assert paths[0].read_bytes() == payload
    assert not (tmp_path / "dl" / f"{ZIP_NAME}.part").exists()
    zips = [r for p, r in server.log if p.endswith(".zip")]
    assert zips == [None, "bytes=1000-"]
    first = rec.events.index(("start", (f"Checking {ZIP_NAME}", 2, "records")))
    # Bytes shown once each, across the two attempts.
    assert sum(n for kind, n in rec.events[:first] if kind == "advance") == len(payload)
    # Already whole: a second call downloads nothing.
    assert download_files(plan, tmp_path / "dl") == paths
    assert len([p for p, _ in server.log if p.endswith(".zip")]) == 2
    s = import_files(paths, tmp_path / "out")
    assert len(s.files) == 2


def test_interrupted_download_keeps_the_part_and_a_later_run_resumes(
    server: Server, payload: bytes, tmp_path: Path
) -> None:
    plan = plan_download(publish(server, payload))
    server.drops = [700] * (download_mod.RETRIES + 1)  # every attempt is cut short
    dest = tmp_path / "dl"
    with pytest.raises(DownloadProblem, match="download interrupted"):
        download_files(plan, dest)
    part = dest / f"{ZIP_NAME}.part"
    have = part.stat().st_size
    assert have == 700 * (download_mod.RETRIES + 1)
    assert not (dest / ZIP_NAME).exists()  # never renamed into place while partial
    server.log.clear()
    download_files(plan, dest)
    assert (dest / ZIP_NAME).read_bytes() == payload
    assert [r for p, r in server.log if p.endswith(".zip")] == [f"bytes={have}-"]


def test_a_server_that_ignores_range_restarts_the_file_cleanly(
    server: Server, payload: bytes, tmp_path: Path
) -> None:
    plan = plan_download(publish(server, payload))
    server.drops = [900]
    server.ignore_range = True
    download_files(plan, tmp_path / "dl")
    assert (tmp_path / "dl" / ZIP_NAME).read_bytes() == payload


def test_size_mismatch_is_a_download_problem(
    server: Server, payload: bytes, tmp_path: Path
) -> None:
    plan = plan_download(publish(server, payload, size_mb="1.50"))
    with pytest.raises(DownloadProblem, match=r"the manifest says 1\.50 MB"):
        download_files(plan, tmp_path / "dl")
    assert list((tmp_path / "dl").glob("*.zip*")) == []


def test_size_allows_the_rounding_of_size_mb(
    server: Server, payload: bytes, tmp_path: Path
) -> None:
    # Two decimals: anything within 5,000 bytes of the rounded value is the same size.
    rounded = f"{round(len(payload) / 1e6, 2):.2f}"
    plan = plan_download(publish(server, payload, size_mb=rounded))
    assert download_files(plan, tmp_path / "dl")[0].read_bytes() == payload
    off = f"{len(payload) / 1e6 + 0.0002:.4f}"  # four decimals: only 50 bytes of slack
    plan = plan_download(publish(server, payload, size_mb=off))
    with pytest.raises(DownloadProblem, match="manifest says"):
        download_files(plan, tmp_path / "dl2")


def test_record_count_must_match_meta_total(server: Server, tmp_path: Path) -> None:
    data = zip_bytes(bulk(records("otc.json"), total=3))
    plan = plan_download(publish(server, data))
    with pytest.raises(DownloadProblem, match="1 records read, but the file says 3"):
        download_files(plan, tmp_path / "dl")
    assert not (tmp_path / "dl" / ZIP_NAME).exists()


def test_damaged_zip_is_not_renamed_into_place(server: Server, tmp_path: Path) -> None:
    plan = plan_download(publish(server, crc_damaged_zip(records("otc.json"))))
    with pytest.raises(DownloadProblem, match="Bad CRC-32"):
        download_files(plan, tmp_path / "dl")
    assert not (tmp_path / "dl" / ZIP_NAME).exists()


def test_unreadable_manifest_is_a_download_problem(server: Server) -> None:
    base = f"http://127.0.0.1:{server.server_address[1]}"
    with pytest.raises(DownloadProblem, match="cannot read the openFDA manifest"):
        plan_download(f"{base}/missing.json")
    server.files["/other.json"] = b'{"results": {"drug": {}}}'
    with pytest.raises(DownloadProblem, match="not an openFDA manifest"):
        plan_download(f"{base}/other.json")


def _unnamed(set_id: str, text: str) -> dict[str, Any]:
    """A label that names no product: no openfda block, no active ingredient or title."""
    return {
        "id": set_id.replace("-", "")[:32],
        "set_id": set_id,
        "version": "1",
        "effective_time": "20240101",
        "indications_and_usage": [text],
        "dosage_and_administration": ["Use as directed by a clinician."],
    }


def test_labels_that_name_no_product_are_never_merged(out: Path, tmp_path: Path) -> None:
    recs = [
        _unnamed("aaaa1111-0000-4000-8000-000000000001", "Treats the invented wobble."),
        {**_unnamed("cccc3333-0000-4000-8000-000000000003", "Eases the invented twitch."),
         "openfda": {}},
    ]  # fmt: skip
    s = import_files([write_json(tmp_path / "u.json", bulk(recs))], out)
    texts = sorted((out / p.name).read_text() for p in s.files)
    assert len(texts) == 2
    assert any("wobble" in t and "twitch" not in t for t in texts)
    assert any("twitch" in t and "wobble" not in t for t in texts)


def test_per_label_ids_stay_apart_when_set_ids_start_alike(out: Path, tmp_path: Path) -> None:
    recs = records("manufacturers.json")[:2]
    recs = [copy.deepcopy(r) for r in recs]
    recs[0]["set_id"] = "bbbb2222-0000-4000-8000-000000000001"
    recs[1]["set_id"] = "bbbb2222-0000-4000-8000-000000000002"
    recs[1]["openfda"] = copy.deepcopy(recs[0]["openfda"])  # the same product and route
    s = import_files([write_json(tmp_path / "p.json", bulk(recs))], out, per_label=True)
    assert len({p.name for p in s.files}) == 2
    assert len(list(out.glob("fda-*.md"))) == 2


def test_titles_end_where_their_sentence_does() -> None:
    from medref.openfda.clean import lead_caps_title, split_title

    assert lead_caps_title("WARNING: INVENTED RISK. Frobnazole may cause harm.") == (
        "INVENTED RISK",
        "Frobnazole may cause harm.",
    )
    text = "Adults Take 5 mg once daily."
    found = split_title(text)
    assert found is not None and found[0] == "Adults" and text[found[1] :].startswith("Take 5")


def test_imported_monographs_are_as_readable_as_other_files(out: Path) -> None:
    old = os.umask(0o022)
    try:
        s = import_files([FIX / "otc.json"], out)
    finally:
        os.umask(old)
    assert s.files and all((out / p.name).stat().st_mode & 0o777 == 0o644 for p in s.files)


def test_a_field_that_is_only_its_title_keeps_it(out: Path, tmp_path: Path) -> None:
    recs = [copy.deepcopy(records("otc.json")[0])]
    recs[0]["keep_out_of_reach_of_children"] = ["Keep out of reach of children."]
    s = import_files([write_json(tmp_path / "k.json", bulk(recs))], out)
    text = (out / s.files[0].name).read_text()
    assert "\nKeep out of reach of children.\n" in text  # the words, not only a heading
