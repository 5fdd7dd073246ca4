"""`medref import openfda` through the installed command: files, the download, and the
imported monographs beside the hand-written ones."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import FIXTURES, Proc
from localserver import ZIP_NAME, Server, publish, serve

M = Callable[..., Proc]
LABELS = FIXTURES / "openfda"
GOOD = [str(LABELS / n) for n in ("rx_modern.json", "otc.json", "acetaminophen.json")]


def imported_dir(tmp_path: Path) -> Path:
    return tmp_path / "data" / "medref" / "monographs" / "openfda"  # XDG_DATA_HOME is tmp/data


def test_import_files_then_show_search_faq_compare_export(medref: M, tmp_path: Path) -> None:
    r = medref("import", "openfda", *GOOD, "--json")
    assert r.code == 0, r.err
    summary = r.json()
    assert summary["written"] == summary["monographs"] >= 3 and summary["skipped"] == []
    folder = imported_dir(tmp_path)
    assert {Path(f).parent for f in summary["files"]} == {folder}
    # The folder is a corpus straight away: by generic name, by brand name, by id.
    page = medref("show", "metoprolol succinate", "--json").json()
    assert page["id"] == "fda-metoprolol-succinate" and page["imported"] == "openfda"
    assert page["sections"][0]["key"] == "boxed-warning"
    assert page["label"]["url"].startswith(
        "https://dailymed.nlm.nih.gov/dailymed/lookup.cfm?setid="
    )
    assert medref("show", "cardiosteady", "--json").json()["id"] == "fda-metoprolol-succinate"
    # The boxed warning is shown first even when only the dosage is asked for.
    text = medref("show", "fda-metoprolol-succinate", "-s", "dosage", "--color", "never").out
    assert text.index("BOXED WARNING") < text.index("Dosage")
    assert "Source: FDA" in text and "not medical advice" in text
    found = medref("search", "cardiosteady", "--json").json()["results"]
    assert found[0]["id"] == "fda-metoprolol-succinate"
    assert medref("faq", "fda-metoprolol-succinate", "--json").code in (0, 1)
    both = medref("compare", "fda-metoprolol-succinate", "metoprolol", "--json")
    assert both.code == 0 and len(both.json()["monographs"]) == 2
    lines = medref("export", "fda-metoprolol-succinate").out.splitlines()
    assert json.loads(lines[0])["id"] == "fda-metoprolol-succinate"
    assert medref("validate", str(folder)).code == 0
    paths = medref("paths", "--json").json()
    assert paths["imports"] == [{"path": str(folder), "source": "openfda"}]


def test_bundled_names_still_resolve_to_the_bundled_monograph(medref: M) -> None:
    assert medref("import", "openfda", *GOOD).code == 0
    page = medref("show", "acetaminophen", "--json").json()
    assert page["id"] == "acetaminophen" and page["imported"] is None
    assert page["fda_labels"] == ["fda-acetaminophen"]
    text = medref("show", "acetaminophen", "--color", "never").out
    assert "An FDA label exists too: fda-acetaminophen" in text
    # A brand name the bundled monograph lists is not added to the imported one.
    label = medref("show", "fda-acetaminophen", "--json").json()
    assert "Tylenol" not in label["aliases"]
    assert medref("show", "tylenol", "--json").json()["id"] == "acetaminophen"


def test_a_name_several_imported_labels_share_is_ambiguous(medref: M, tmp_path: Path) -> None:
    # One brand family on two different medicines: a real pattern in OTC labels.
    base = json.loads((LABELS / "otc.json").read_text())["results"][0]
    other = json.loads(json.dumps(base))
    other["set_id"] = "0b000099-1111-4222-8333-444455556666"
    other["id"] = "0f000099-aaaa-4bbb-8ccc-000000000099"
    other["openfda"]["generic_name"] = ["GUAIFENESIN"]
    other["openfda"]["substance_name"] = ["GUAIFENESIN"]
    other["active_ingredient"] = ["Active ingredient Guaifenesin 400 mg Purpose Expectorant"]
    other["spl_product_data_elements"] = ["Soreless Chest Guaifenesin"]
    both = tmp_path / "family.json"
    both.write_text(json.dumps({"meta": {}, "results": [base, other]}))
    assert medref("import", "openfda", str(both)).code == 0
    clash = medref("show", "soreless", "--json")
    assert clash.code == 2
    error = json.loads(clash.err)["error"]
    assert error["code"] == "ambiguous"
    assert set(error["suggestions"]) == {"fda-naproxen-sodium", "fda-guaifenesin"}
    # Two routes of one generic: the titles carry the route.
    assert medref("import", "openfda", str(LABELS / "manufacturers.json")).code == 0
    titles = {m["title"] for m in medref("list", "--json").json() if m["id"].startswith("fda-ibu")}
    assert titles == {"Ibuprofen (oral)", "Ibuprofen (topical)"}
    # The generic name alone names both routes: ambiguous, never "not found" (ibuprofen is
    # hand-written, so the same labels under an invented name).
    text = (LABELS / "manufacturers.json").read_text()
    for old, new in (
        ("IBUPROFEN", "ZORBAMINE"),
        ("Ibuprofen", "Zorbamine"),
        ("ibuprofen", "zorbamine"),
    ):
        text = text.replace(old, new)
    renamed = tmp_path / "zorbamine.json"
    renamed.write_text(text)
    assert medref("import", "openfda", str(renamed)).code == 0
    split = medref("show", "zorbamine", "--json")
    assert split.code == 2, split.err
    assert set(json.loads(split.err)["error"]["suggestions"]) == {
        "fda-zorbamine-oral",
        "fda-zorbamine-topical",
    }


def test_skipped_input_is_listed_and_exits_1(medref: M, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    r = medref("import", "openfda", str(broken), str(LABELS / "otc.json"))
    assert r.code == 1
    assert "broken.json" in r.out and "skipped: 1" in r.out
    assert medref("show", "fda-naproxen-sodium", "--json").code == 0


def test_missing_file_is_a_usage_error(medref: M, tmp_path: Path) -> None:
    r = medref("import", "openfda", str(tmp_path / "nope.json"))
    assert r.code == 2 and r.err.startswith("medref: ") and len(r.err.splitlines()) == 1


@pytest.fixture
def server() -> Iterator[Server]:
    with serve() as srv:
        yield srv


def _bulk_zip() -> bytes:
    recs = [json.loads((LABELS / n).read_text())["results"][0] for n in ("rx_modern.json",)]
    recs += json.loads((LABELS / "otc.json").read_text())["results"][:1]
    data = {"meta": {"results": {"skip": 0, "limit": 2, "total": len(recs)}}, "results": recs}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(ZIP_NAME.removesuffix(".zip"), json.dumps(data))
    return buf.getvalue()


def test_download_asks_for_yes_then_downloads_resumes_and_imports(
    medref: M, server: Server, tmp_path: Path
) -> None:
    env = {"MEDREF_OPENFDA_MANIFEST": publish(server, _bulk_zip())}
    refused = medref("import", "openfda", env=env)  # no terminal and no --yes
    assert refused.code == 2 and "--yes" in refused.err
    assert "1 file of FDA drug labels" in refused.err
    assert not imported_dir(tmp_path).exists()
    # The connection drops midway and the file is then gone: nothing is imported.
    server.drops, server.vanish_after_drop = [1000], True
    failed = medref("import", "openfda", "--yes", env=env)
    assert failed.code != 0 and len(failed.err.strip().splitlines()) == 2
    assert "404" in failed.err
    assert not list(imported_dir(tmp_path).glob("*.md"))
    server.gone = False
    done = medref("import", "openfda", "--yes", "--json", env=env)
    assert done.code == 0, done.err
    assert done.json()["written"] == 2
    resumed = [rng for path, rng in server.log if path.endswith(".zip")][-1]
    assert resumed is not None and resumed.startswith("bytes=")
    assert medref("show", "metoprolol succinate", "--json").json()["imported"] == "openfda"


def test_out_elsewhere_says_how_to_use_the_folder(medref: M, tmp_path: Path) -> None:
    default = medref("import", "openfda", str(LABELS / "otc.json"))
    assert default.code == 0 and "not a monograph folder in use" not in default.err
    elsewhere = medref("import", "openfda", str(LABELS / "otc.json"), "--out", str(tmp_path / "x"))
    assert elsewhere.code == 0
    assert "not a monograph folder in use; add it with --corpus" in elsewhere.err
    found = medref("--corpus", str(tmp_path / "x"), "show", "fda-naproxen-sodium", "--json")
    assert found.code == 0 and found.json()["source"].startswith(str(tmp_path / "x"))
