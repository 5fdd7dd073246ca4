"""One label record, checked field by field, and the names it goes by.

Records come from files that are not ours: every field read is checked for its published
type (text fields and `openfda` values are arrays of strings). A field of the wrong type is
left out with a one-line reason; a record without a usable `set_id` is skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from medref.names import fold, name_key

# The text fields the importer reads (tables are their `<field>_table` companions).
TEXT_FIELDS: tuple[str, ...] = (
    "boxed_warning",
    "indications_and_usage",
    "purpose",
    "dosage_and_administration",
    "dosage_forms_and_strengths",
    "adverse_reactions",
    "mechanism_of_action",
    "clinical_pharmacology",
    "warnings_and_cautions",
    "warnings",
    "precautions",
    "do_not_use",
    "ask_doctor",
    "ask_doctor_or_pharmacist",
    "when_using",
    "stop_use",
    "pregnancy_or_breast_feeding",
    "keep_out_of_reach_of_children",
    "contraindications",
    "drug_interactions",
    "use_in_specific_populations",
    "pregnancy",
    "overdosage",
    "information_for_patients",
    "questions",
    "active_ingredient",
    "spl_product_data_elements",
)
TABLE_FIELDS: tuple[str, ...] = tuple(f"{f}_table" for f in TEXT_FIELDS)
OPENFDA_FIELDS: tuple[str, ...] = (
    "generic_name",
    "brand_name",
    "substance_name",
    "manufacturer_name",
    "product_type",
    "route",
    "application_number",
    "pharm_class_epc",
    "pharm_class_moa",
    "pharm_class_cs",
    "pharm_class_pe",
)
# Fields that make a label a Drug Facts (OTC) label when `openfda.product_type` is absent.
OTC_FIELDS = ("purpose", "active_ingredient", "keep_out_of_reach_of_children", "stop_use")


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _text_lists(
    record: dict[str, Any], keys: Iterable[str], lead: str, problems: list[str]
) -> dict[str, list[str]]:
    """The keys whose values are lists of text; any other value is left out, and said so."""
    out: dict[str, list[str]] = {}
    for key in keys:
        value = record.get(key)
        if value is None:
            continue
        strings = _strings(value)
        if strings is None:
            problems.append(f"{lead}{key}' is {_kind(value)}, not a list of text; left out")
        else:
            out[key] = strings
    return out


def _strings(value: Any) -> list[str] | None:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return None


@dataclass(slots=True)
class Label:
    """A checked record: only fields of the published types are kept."""

    set_id: str
    id: str
    effective_time: str
    version: int
    fields: dict[str, list[str]]
    openfda: dict[str, list[str]]

    def text(self, name: str) -> list[str]:
        return [v for v in self.fields.get(name, ()) if v.strip()]

    def of(self, name: str) -> list[str]:
        return [v.strip() for v in self.openfda.get(name, ()) if v.strip()]


def check(record: Any, where: str) -> tuple[Label | None, list[str]]:
    """A Label from a raw record, and one-line reasons for what was left out."""
    if not isinstance(record, dict):
        return None, [f"{where} is {_kind(record)}, not an object; skipped"]
    set_id = record.get("set_id")
    if not isinstance(set_id, str) or not set_id.strip():
        what = "no set_id" if set_id is None else f"a set_id that is {_kind(set_id)}"
        return None, [f"{where} has {what}; skipped"]
    where = f"{where} (set_id {set_id})"
    problems: list[str] = []

    def text_of(key: str) -> str:
        value = record.get(key)
        if value is None:
            return ""
        if isinstance(value, str):
            return value.strip()
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        problems.append(f"{where}: field '{key}' is {_kind(value)}, not text; left out")
        return ""

    version = text_of("version")
    fields = _text_lists(record, (*TEXT_FIELDS, *TABLE_FIELDS), f"{where}: field '", problems)
    openfda: dict[str, list[str]] = {}
    block = record.get("openfda")
    if block is not None and not isinstance(block, dict):
        problems.append(f"{where}: field 'openfda' is {_kind(block)}, not an object; left out")
    elif block:
        openfda = _text_lists(block, OPENFDA_FIELDS, f"{where}: field 'openfda.", problems)
    label = Label(
        set_id=set_id.strip(),
        id=text_of("id"),
        effective_time=text_of("effective_time"),
        version=int(version) if version.isdigit() else 0,
        fields=fields,
        openfda=openfda,
    )
    return label, problems


# ---------------------------------------------------------------------------------------
# Names

_SMALL_WORDS = "a an and or of in on with for the to by at from as per"
_SMALL = frozenset(_SMALL_WORDS.split())
_KEEP_CASE = {"hcl": "HCl", "hbr": "HBr", "usp": "USP", "ii": "II", "iii": "III", "xr": "XR"}
_ALPHA = re.compile(r"[A-Za-z]+")


def title_case(name: str) -> str:
    """ "METOPROLOL SUCCINATE" -> "Metoprolol Succinate"; mixed-case names are kept."""
    name = " ".join(name.split())
    if any(c.islower() for c in name):
        return name
    words = name.split(" ")
    out = []
    for i, word in enumerate(words):
        low = word.lower()
        if i and low in _SMALL:
            out.append(low)
            continue
        out.append(
            _ALPHA.sub(
                lambda m: _KEEP_CASE.get(m[0].lower()) or m[0][:1].upper() + m[0][1:].lower(),
                word,
            )
        )
    return " ".join(out)


# Salt and hydrate words dropped to name the active moiety ("Metoprolol Succinate" ->
# "Metoprolol"); only at the end of a single-ingredient name, and never the whole name.
_SALT_WORDS = """
    hydrochloride hcl hydrobromide hbr sodium potassium calcium magnesium succinate tartrate
    maleate mesylate besylate sulfate bisulfate phosphate citrate acetate fumarate
    bitartrate monohydrate dihydrate trihydrate hemihydrate anhydrous hyclate disodium
    dipotassium lactate gluconate tosylate napsylate nitrate bromide propionate valerate
    dipropionate furoate monosodium hemifumarate
"""
SALT_WORDS = frozenset(_SALT_WORDS.split())


def moiety(name: str) -> str | None:
    """The name without trailing salt words, or None when there are none to drop."""
    if re.search(r"\band\b|,|/|\+", name, re.I):
        return None  # a combination: its parts are not aliases of it
    words = name.split()
    k = len(words)
    while k > 1 and words[k - 1].lower().strip(".,") in SALT_WORDS:
        k -= 1
    if k == len(words) or k == 0:
        return None
    return " ".join(words[:k])


def mentions(text: str, name: str) -> bool:
    """Does the label's own text name any ingredient of `name` (salt words aside)?"""
    hay = " " + " ".join(re.findall(r"[0-9a-z]+", fold(text))) + " "
    parts = re.split(r"\s*(?:,|/|\+|\band\b|\bwith\b)\s*", fold(name))
    for part in parts:
        words = [
            w for w in re.findall(r"[0-9a-z]+", part) if w not in SALT_WORDS and w not in _SMALL
        ]
        if words and f" {' '.join(words)} " in hay:
            return True
        if words and len(words[0]) >= 4 and f" {words[0]} " in hay:
            return True
    return False


_DOSE = re.compile(r"\s\d|\(|\bin each\b|\bUSP\b|\bequivalent\b", re.I)


def own_name(label: Label) -> str:
    """The product's name read from its own text, or "" when it has none."""
    for value in label.text("active_ingredient"):
        text = re.sub(
            r"^\s*active\s+ingredients?\s*(?:\([^)]*\))?\s*[:.]?\s*", "", value, flags=re.I
        )
        text = re.sub(r"^\s*\((?:in each|each)[^)]*\)\s*", "", text, flags=re.I)
        cut = _DOSE.search(text)
        name = squash_name(text[: cut.start()] if cut else text[:80])
        if name:
            return title_case(name)
    for value in label.text("spl_product_data_elements"):
        words = value.split()
        taken: list[str] = []
        for w in words[:6]:
            if taken and ((w.isupper() and len(w) > 1) or not w[:1].isalpha()):
                break
            taken.append(w)
        name = squash_name(" ".join(taken))
        if name:
            return title_case(name)
    return ""


def squash_name(text: str) -> str:
    return " ".join(text.replace("*", " ").split()).strip(" .,;:-")


def same_name(a: str, b: str) -> bool:
    return name_key(a) == name_key(b)
