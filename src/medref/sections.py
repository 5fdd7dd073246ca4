"""Choosing sections and FAQs by what a user typed (`-s dose`, `faq colostrum milk`)."""

from __future__ import annotations

from medref.errors import NotFound, UsageError
from medref.labels import EXTRA_LABELS, SECTION_LABELS, label_key
from medref.models import BOXED_WARNING, CANONICAL_KEYS, Faq, Monograph, Section
from medref.names import slugify

# Extra words people type for sections, beyond the labels documents use.
USER_SYNONYMS: dict[str, str] = {
    "adverse": "side-effects",
    "adverse effects": "side-effects",
    "effects": "side-effects",
    "side": "side-effects",
    "warnings": "precautions",
    "warning": "precautions",
    "cautions": "precautions",
    "mechanism": "how-it-works",
    "works": "how-it-works",
    "how": "how-it-works",
    "moa": "how-it-works",
    "questions": "faqs",
    "name": "generic-name",
    "generic": "generic-name",
}

# Every key and synonym accepted by -s, for help and shell completion.
SECTION_CHOICES: list[str] = sorted(
    set(CANONICAL_KEYS)
    | {k for k in SECTION_LABELS if " " not in k}
    | {k for k in USER_SYNONYMS if " " not in k}
    | {k for k in EXTRA_LABELS if " " not in k}
)


def canonical_request(text: str) -> str | None:
    """The canonical key a user's section word means, if any."""
    slug = slugify(text)
    if slug in CANONICAL_KEYS:
        return slug
    label = label_key(text)
    return SECTION_LABELS.get(label) or USER_SYNONYMS.get(label)


def select(mono: Monograph, requests: list[str]) -> tuple[tuple[Section, ...], list[str]]:
    """Sections matching the requests, in document order, and the requests that found none.

    A request names a section key the monograph has (`contraindications`), or a canonical
    key or synonym (`dose`, `adverse`). Raises UsageError for words that name no section
    at all, and NotFound when none of the requests is present in this monograph.
    """
    present = {s.key for s in mono.sections}
    wanted: list[str] = []
    missing: list[str] = []
    for req in requests:
        slug = slugify(req)
        if not slug:
            raise UsageError(
                f"{req!r} is not a section name", hint="try one of: " + ", ".join(CANONICAL_KEYS)
            )
        if slug in present:
            key = slug
        else:
            canon = canonical_request(req)
            if canon is None and label_key(req) in EXTRA_LABELS:
                canon = slug  # a known kind of extra section (disclaimer): just not here
            if canon is None:
                raise UsageError(
                    f"unknown section {req!r}",
                    hint="sections are: "
                    + ", ".join([*CANONICAL_KEYS, *sorted(present - set(CANONICAL_KEYS))]),
                )
            key = canon
        if key in present:
            wanted.append(key)
        else:
            missing.append(req)
    if requests and not wanted:
        have = ", ".join(mono.section_keys()) or "none"
        raise NotFound(
            f"{mono.id} has no {' or '.join(repr(m) for m in missing)} section",
            hint=f"its sections are: {have}",
        )
    if BOXED_WARNING in present:  # whatever is asked for, as the label puts it first
        wanted.append(BOXED_WARNING)
    chosen = tuple(s for s in mono.sections if s.key in set(wanted))
    chosen = tuple(sorted(chosen, key=lambda s: s.key != BOXED_WARNING))  # first, stably
    return chosen, missing


def filter_faqs(faqs: tuple[Faq, ...], query: str | None) -> tuple[Faq, ...]:
    """FAQs matching query, in search's syntax, ignoring case and accents.

    Every word must appear (in any inflection: "allergic" finds "allergy"), a "quoted
    phrase" as written, `word*` as a prefix; a `-word` must not appear.
    """
    if not query:
        return faqs
    from medref.query import parse_query, root, spellings, text_words

    terms = parse_query(query).terms

    def needle(words: list[str], prefix: bool) -> str:
        """What a matching text contains after a space: a word's root (so "allergic" finds
        "allergy"), or a short word whole (so "w" is not every word that starts with w)."""
        text = " ".join(words)
        if prefix or len(words) > 1:
            return text
        if len(text) < 3:
            return text + " "
        plural = len(text) > 3 and text.endswith("s") and not text.endswith("ss")
        return root(text) or (text[:-1] if plural else text)

    # Each term as every spelling it stands for ("diarrhea" is also "diarrhoea").
    wanted = [
        ([needle(words, t.prefix) for words in spellings(t.words)], t.negative) for t in terms
    ]

    def matches(f: Faq) -> bool:
        hay = " " + " ".join(text_words(f"{f.question} {f.answer}")) + " "
        return all(any(f" {n}" in hay for n in needles) != negative for needles, negative in wanted)

    return tuple(f for f in faqs if matches(f))


COMPARE_DEFAULT = ["dosage", "side-effects", "precautions"]


def compare_keys(monos: list[Monograph], requests: list[str]) -> list[str]:
    """Section keys to compare: a key any of the monographs has, or a canonical key/synonym."""
    present = {s.key for m in monos for s in m.sections}
    keys: list[str] = []
    for req in requests or COMPARE_DEFAULT:
        slug = slugify(req)
        key = slug if slug in present else canonical_request(req)
        if key is None:
            raise UsageError(
                f"unknown section {req!r}", hint="try one of: " + ", ".join(CANONICAL_KEYS)
            )
        if key not in keys:
            keys.append(key)
    if BOXED_WARNING in present and BOXED_WARNING not in keys:
        keys.insert(0, BOXED_WARNING)  # a label's boxed warning is never left out of a comparison
    return keys


def sections_for(mono: Monograph, keys: list[str]) -> tuple[Section, ...]:
    """The monograph's sections with these keys, in document order (none is fine)."""
    wanted = set(keys)
    return tuple(s for s in mono.sections if s.key in wanted)
