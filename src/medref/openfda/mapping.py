"""A label, as checked by label.py, to a monograph in the house Markdown format."""

from __future__ import annotations

import re
from typing import Any

from medref.openfda.clean import (
    Cleaned,
    Heading,
    Items,
    Para,
    Piece,
    clean_text,
    escape,
    squash,
    strip_title,
    table_markdown,
    tidy_refs,
    to_markdown,
)
from medref.openfda.label import Label
from medref.openfda.select import Group

DAILYMED = "https://dailymed.nlm.nih.gov/dailymed/lookup.cfm?setid={set_id}"

# Drug Facts fields shown under Precautions, each under its own sub-heading.
OTC_PRECAUTIONS: tuple[tuple[str, str], ...] = (
    ("do_not_use", "Do not use"),
    ("ask_doctor", "Ask a doctor before use if you have"),
    ("ask_doctor_or_pharmacist", "Ask a doctor or pharmacist before use if you are"),
    ("when_using", "When using this product"),
    ("stop_use", "Stop use and ask a doctor if"),
    ("pregnancy_or_breast_feeding", "If pregnant or breast-feeding"),
    ("keep_out_of_reach_of_children", "Keep out of reach of children"),
)


def _field(label: Label, name: str, *, sub_headings: bool = True) -> list[Piece]:
    """A text field and its `_table` companion, cleaned."""
    pieces = clean_text(name, label.text(name), sub_headings=sub_headings).pieces
    for html in label.text(f"{name}_table"):
        pieces.extend(table_markdown(html))
    return pieces


def _has_body(pieces: list[Piece]) -> bool:
    return bool(Cleaned(pieces))


def _first(label: Label, names: tuple[str, ...]) -> list[Piece]:
    for name in names:
        pieces = _field(label, name)
        if _has_body(pieces):
            return pieces
    return []


def _otc_warnings(label: Label) -> list[str]:
    """The OTC `warnings` text without passages that repeat other fields word for word."""
    values = label.text("warnings")
    if not values:
        return []
    others = [
        squash(v) for name, _ in OTC_PRECAUTIONS for v in label.text(name) if len(squash(v)) >= 12
    ]
    others.sort(key=len, reverse=True)
    out = []
    for value in values:
        text = squash(value)
        for other in others:
            text = text.replace(other, " ")
        text = squash(text)
        rest, _num = strip_title("warnings", text)
        if re.search(r"[A-Za-z]{3}", rest):
            out.append(text)
    return out


def _precautions(label: Label, otc: bool) -> list[Piece]:
    if otc:
        pieces: list[Piece] = []
        otc_warnings = _otc_warnings(label)
        if otc_warnings:
            pieces.extend(clean_text("warnings", otc_warnings).pieces)
        pieces.extend(_field(label, "warnings_and_cautions"))
        for name, heading in OTC_PRECAUTIONS:
            body = _field(label, name)
            if _has_body(body):
                pieces.append(Heading(heading))
                pieces.extend(body)
        return pieces
    pieces = _field(label, "warnings_and_cautions")
    if _has_body(pieces):
        return pieces
    # Older labels: separate Warnings and Precautions sections, both kept.
    warned, cautions = _field(label, "warnings"), _field(label, "precautions")
    if _has_body(warned) and _has_body(cautions):
        return [Heading("Warnings"), *warned, Heading("Precautions"), *cautions]
    return warned if _has_body(warned) else cautions


def _then(pieces: list[Piece], title: str, more: list[Piece]) -> list[Piece]:
    """pieces, then more under a heading of its own (no heading when pieces say nothing)."""
    if _has_body(more):
        if _has_body(pieces):
            pieces.append(Heading(title))
        pieces.extend(more)
    return pieces


def _usage(label: Label, otc: bool) -> list[Piece]:
    pieces = _field(label, "indications_and_usage")
    return _then(pieces, "Purpose", _field(label, "purpose")) if otc else pieces


def _dosage(label: Label) -> list[Piece]:
    forms = _field(label, "dosage_forms_and_strengths")
    return _then(_field(label, "dosage_and_administration"), "Dosage Forms and Strengths", forms)


def _how_it_works(label: Label, moa_classes: list[str]) -> list[Piece]:
    pieces = _first(label, ("mechanism_of_action", "clinical_pharmacology"))
    if not pieces and moa_classes:
        pieces = [Para(f"Mechanism of action (FDA class): {', '.join(moa_classes)}.")]
    return pieces


# ---------------------------------------------------------------------------------------
# FAQs

_QUESTION = re.compile(r"(?:^|(?<=[.!?:])\s+)([A-Z][^.!?]{8,300}\?)(?=\s|$)")


def faq_pairs(values: list[str]) -> tuple[str, list[tuple[str, str]]] | None:
    """(intro, [(question, answer)]) when the text is laid out as questions and answers.

    Only when it has at least two questions and every question has an answer after it;
    otherwise None, and the text is shown as Patient Information.
    """
    text = squash(" ".join(values))
    text, _num = strip_title("information_for_patients", text)
    text = tidy_refs(text)
    found = list(_QUESTION.finditer(text))
    if len(found) < 2:
        return None
    pairs: list[tuple[str, str]] = []
    for n, m in enumerate(found):
        end = found[n + 1].start(1) if n + 1 < len(found) else len(text)
        answer = squash(text[m.end(1) : end])
        if len(answer.split()) < 2:
            return None
        pairs.append((squash(m[1]), answer))
    return squash(text[: found[0].start(1)]), pairs


def _faqs(label: Label) -> tuple[str, str] | None:
    """("FAQs" or "Patient Information", Markdown body) from information_for_patients."""
    values = label.text("information_for_patients")
    if not values:
        return None
    found = faq_pairs(values)
    if found is not None:
        intro, pairs = found
        lines = [escape(intro)] if intro else []
        items = [f"* **Q: {escape(q)}**  A: {escape(a)}" for q, a in pairs]
        return "FAQs", "\n\n".join([*lines, "\n\n".join(items)])
    pieces = _field(label, "information_for_patients")
    if not _has_body(pieces):
        return None
    return "Patient Information", to_markdown(pieces)


# ---------------------------------------------------------------------------------------
# The whole file


def _strip_suffix(cls: str) -> str:
    return re.sub(r"\s*\[(?:EPC|MoA|CS|PE|Chemical/Ingredient)\]\s*$", "", cls).strip()


def _date(effective: str) -> str:
    if re.fullmatch(r"\d{8}", effective):
        return f"{effective[:4]}-{effective[4:6]}-{effective[6:]}"
    return effective


def front_matter(label: Label, group: Group, otc: bool) -> dict[str, Any]:
    win = group.winner
    use_openfda = not win.retitled
    of = label.of if use_openfda else (lambda _key: [])
    epc = [_strip_suffix(c) for c in of("pharm_class_epc")]
    others = [
        _strip_suffix(c)
        for c in (*epc[1:], *of("pharm_class_cs"), *of("pharm_class_pe"), *of("pharm_class_moa"))
    ]
    data: dict[str, Any] = {"title": group.title}
    if group.aliases:
        data["aliases"] = list(group.aliases)
    if epc:
        data["class"] = epc[0]
    tags = list(dict.fromkeys(t for t in others if t and t != (epc[0] if epc else "")))
    if tags:
        data["tags"] = tags
    if group.route:
        data["route"] = group.route
    data["imported"] = "openfda"
    source: dict[str, Any] = {
        "set_id": label.set_id,
        "id": label.id,
        "effective_time": label.effective_time,
        "product_type": "OTC" if otc else "prescription",
        "manufacturer": win.manufacturer or None,
        "url": DAILYMED.format(set_id=label.set_id),
        "labels": len(group.members),
    }
    questions = squash(" ".join(label.text("questions")))
    if questions:
        source["questions"] = questions
    data["source"] = {k: v for k, v in source.items() if v not in (None, "")}
    return data


def _generic_name(label: Label, group: Group, otc: bool) -> str:
    win = group.winner
    lines = [escape(group.name)]
    if otc:
        active = clean_text("active_ingredient", label.text("active_ingredient")).pieces
        text = squash(" ".join(p.text for p in active if isinstance(p, Para)))
        text = " ".join([text, *(i for p in active if isinstance(p, Items) for i in p.items)])
        if squash(text):
            lines.append("Active ingredient: " + escape(squash(text)))
    who = ", ".join(b for b in (win.brands[0] if win.brands else "", win.manufacturer) if b)
    when = _date(win.effective)
    shown = f"the label of {who}" if who else "one label"
    if when:
        shown += f", effective {when}"
    n = len(group.members)
    route = f" for {group.route} use" if group.route else ""
    if n == 1:
        what = f": {escape(shown)}" if who else (f", effective {when}" if when else "")
        lines.append(f"This monograph is made from one FDA label{route}{what}.")
    else:
        lines.append(
            f"This monograph stands for {n} FDA labels of {escape(group.name.lower())}{route}; "
            f"its text is {escape(shown)}."
        )
    return "\n\n".join(lines)


def _disclaimer(otc: bool, effective: str) -> str:
    kind = "an OTC (Drug Facts)" if otc else "a prescription"
    when = f", effective {_date(effective)}," if effective else ""
    return (
        f"**Disclaimer:** This is the text of {kind} FDA drug label{when} reformatted by "
        "medref from openFDA data; it has not been reviewed, and it is not medical advice. "
        "Check the current label on DailyMed, and ask a doctor or pharmacist before using "
        "any medicine."
    )


def render(label: Label, group: Group) -> str:
    """The monograph Markdown for a group, from its winning label."""
    import yaml

    otc = group.winner.otc
    moa_raw = [] if group.winner.retitled else label.of("pharm_class_moa")
    moa = [_strip_suffix(c) for c in moa_raw]
    sections: list[tuple[str, str]] = []

    def add(heading: str, pieces: list[Piece]) -> None:
        if _has_body(pieces):
            sections.append((heading, to_markdown(pieces)))

    add("Boxed Warning", _field(label, "boxed_warning"))
    sections.append(("Generic Name", _generic_name(label, group, otc)))
    add("Usage", _usage(label, otc))
    add("Dosage", _dosage(label))
    add("Side Effects", _field(label, "adverse_reactions"))
    add("How it Works", _how_it_works(label, moa))
    add("Precautions", _precautions(label, otc))
    add("Contraindications", _field(label, "contraindications"))
    add("Drug Interactions", _field(label, "drug_interactions"))
    populations = _field(label, "use_in_specific_populations")
    if _has_body(populations):
        add("Use in Specific Populations", populations)
    else:
        add("Pregnancy", _field(label, "pregnancy"))
    add("Overdosage", _field(label, "overdosage"))
    faqs = _faqs(label)
    if faqs is not None:
        sections.append(faqs)
    fm = yaml.dump(
        front_matter(label, group, otc),
        Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper),  # the same text, faster
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=10_000,
    )
    parts = [f"---\n{fm}---\n\n# {escape(group.title)}"]
    parts.extend(f"### {heading}\n{body}" for heading, body in sections)
    parts.append(_disclaimer(otc, label.effective_time))
    return "\n\n".join(parts) + "\n"
