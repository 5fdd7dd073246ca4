"""Deterministic synthetic corpus of medicine monographs for medref benchmarks.

Usage::

    python benchmarks/gencorpus.py N OUTDIR [--seed S]

Writes N Markdown monographs (about 6 KB each) under OUTDIR in per-letter folders
(``OUTDIR/a/acetofenil.md``) and ``OUTDIR/manifest.json``. The same N and seed give
byte-identical output. Most files follow the shape of the reference monograph; a few
percent each use one of the format variants listed in ``VARIANTS``.

Marker words sit in known, seed-determined sets of files (listed in the manifest) and
nowhere else, so searches for them have known hit counts:

* "allergy" / "allergic" / "allergies" in about 10% of files (Side Effects or Precautions),
* "bleeding" in about 5%, "grapefruit" in about 1%,
* "zorblatic" (a nonsense word) in exactly 7 files.

Importable: ``generate(n, outdir, seed)`` writes the corpus and returns the manifest.
Standard library only.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
import unicodedata
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

# --------------------------------------------------------------------------- variants

DEFAULT = "default"
# Structural variants: at most one per file.
HEADING_LEVELS = "heading_levels"  # 1. "## Usage", "#### Usage", "## **Usage**"
HEADING_COLON = "heading_colon"  # 2. "### Usage:"
HEADING_VALUE = "heading_value"  # 3. "### Generic Name: Zalvoxetine"
BOLD_LABELS = "bold_labels"  # 4. no headings, "**Usage:** text" paragraphs
COMBO_INGREDIENTS = "combo_ingredient_headings"  # 5. "### A" + labels, "### B" + labels
COMBO_REPEATED = "combo_repeated_sections"  # 6. Generic Name..Precautions once per ingredient
PROSE_ONLY = "prose_only"  # 10. only prose paragraphs under "# Title"
FAQ_ALT = "faq_alt"  # 11. other FAQ shapes
NOTE_CLOSING = "note_not_disclaimer"  # 12. "**Note:**" instead of "**Disclaimer:**"
# Orthogonal variants: may also be added on top of a structural one.
THEMATIC_BREAK = "thematic_break"  # 7. "---" between two sections
INLINE_HTML = "inline_html"  # 8. H<sub>2</sub>O, 10<sup>3</sup>, <em>note</em>
SPECIAL_TITLE = "special_title"  # 9. "Café-Ölamin (oral) [EU]"
NO_FRONT_MATTER = "no_front_matter"  # 13. title from the H1 only
JEKYLL_KEYS = "jekyll_keys"  # 14. layout / nav_exclude in the front matter

STRUCTURAL = (
    HEADING_LEVELS,
    HEADING_COLON,
    HEADING_VALUE,
    BOLD_LABELS,
    COMBO_INGREDIENTS,
    COMBO_REPEATED,
    PROSE_ONLY,
    FAQ_ALT,
    NOTE_CLOSING,
)
ORTHOGONAL = (THEMATIC_BREAK, INLINE_HTML, SPECIAL_TITLE, NO_FRONT_MATTER, JEKYLL_KEYS)
VARIANTS = STRUCTURAL + ORTHOGONAL
COMBO_VARIANTS = (COMBO_INGREDIENTS, COMBO_REPEATED)

P_STRUCTURAL = 0.021  # each structural variant as a file's primary variant
P_ORTHOGONAL = 0.010  # each orthogonal variant as a file's primary variant
P_EXTRA = 0.065  # each orthogonal variant added to a file with a structural variant
P_COMBINATION = 0.19  # combination names among files without a combo variant

MARKER_SHARE = {"allergy": 0.10, "bleeding": 0.05, "grapefruit": 0.01}
ZORBLATIC_FILES = 7
# Filler text must never contain these (case-insensitive substrings).
FORBIDDEN = ("allerg", "bleed", "grapefruit", "zorblat")

SIZE_MIN, SIZE_MAX = 5550, 6350  # target bytes per file (files end up about 0-60 above)

# --------------------------------------------------------------------------- vocabulary

NAME_PRE = [
    "za",
    "mo",
    "ve",
    "tri",
    "lo",
    "ka",
    "du",
    "pra",
    "se",
    "vo",
    "xe",
    "ni",
    "fu",
    "bre",
    "co",
    "ta",
    "qui",
    "ro",
    "mi",
    "da",
    "fe",
    "gli",
    "ha",
    "ja",
    "le",
    "na",
    "pe",
    "ri",
    "sa",
    "te",
    "ul",
    "va",
    "we",
    "yo",
    "zo",
    "cla",
    "dro",
    "fla",
    "pli",
    "stra",
    "tro",
    "bi",
    "ce",
    "ox",
    "am",
    "el",
    "ir",
    "on",
    "ad",
]
NAME_MID = [
    "lvo",
    "ra",
    "xe",
    "fe",
    "ti",
    "lo",
    "ma",
    "ve",
    "dro",
    "pi",
    "sa",
    "nu",
    "ge",
    "ba",
    "ri",
    "co",
    "de",
    "mu",
    "zi",
    "ko",
    "pe",
    "lu",
    "ne",
    "tho",
    "qua",
    "vi",
]
NAME_SUF = [
    "xetine",
    "fenil",
    "mab",
    "pril",
    "sartan",
    "lol",
    "statin",
    "zole",
    "cillin",
    "mycin",
    "tidine",
    "pam",
    "zepam",
    "dipine",
    "gliptin",
    "vir",
    "parin",
    "lukast",
    "triptan",
    "afil",
    "profen",
    "oxacin",
    "tadine",
    "semide",
    "glitazone",
    "lamide",
    "trexate",
    "cort",
    "sone",
    "navir",
    "fungin",
    "tinib",
    "platin",
    "caine",
    "dronate",
    "tropine",
    "setron",
    "pramine",
    "azepam",
    "olone",
    "mide",
    "rine",
    "dane",
    "mine",
    "lone",
]
BRAND_END = [
    "ex",
    "ora",
    "ix",
    "an",
    "ol",
    "ium",
    "a",
    "el",
    "on",
    "yl",
    "is",
    "ine",
    "ax",
    "eva",
    "ara",
    "io",
    "en",
    "or",
    "ect",
    "ant",
    "ul",
    "ova",
    "ira",
    "elle",
]
ACCENTS = {"a": "á", "e": "é", "i": "í", "o": "ö", "u": "ü"}
ROUTES = ("oral", "topical", "nasal", "IV", "rectal", "ophthalmic", "inhaled")
REGIONS = ("EU", "UK", "US", "CH", "AU", "CA")
FORMS = ("tablets", "syrup", "film-coated", "gel", "drops", "modified release")

CLASSES = (
    "NSAID (nonsteroidal anti-inflammatory drug)",
    "antihistamine",
    "proton pump inhibitor",
    "H2 receptor blocker",
    "SSRI antidepressant",
    "ACE inhibitor",
    "angiotensin receptor blocker",
    "beta blocker",
    "calcium channel blocker",
    "statin",
    "loop diuretic",
    "thiazide diuretic",
    "penicillin antibiotic",
    "macrolide antibiotic",
    "antifungal",
    "antiviral",
    "anticonvulsant",
    "corticosteroid",
    "bronchodilator",
    "laxative",
    "antidiarrhoeal",
    "cough suppressant",
    "decongestant",
    "dietary supplement",
    "vitamin",
    "mineral supplement",
    "sleep aid",
    "thyroid hormone",
    "oral antidiabetic",
    "herbal supplement",
)
TAGS = [
    "pain",
    "fever",
    "inflammation",
    "sleep",
    "heartburn",
    "cholesterol",
    "blood-pressure",
    "diabetes",
    "infection",
    "cough",
    "cold",
    "digestion",
    "constipation",
    "mood",
    "anxiety",
    "skin",
    "thyroid",
    "asthma",
    "vitamins",
    "supplement",
    "otc",
    "prescription",
    "heart",
    "kidney",
    "joints",
]

USAGE_OPEN = (
    "In everyday practice,",
    "For most adults,",
    "In short-term use,",
    "According to the product label,",
    "In clinical settings,",
    "For many patients,",
    "When used as directed,",
    "In general,",
    "Over several weeks,",
    "In routine care,",
    "For some people,",
    "In older adults,",
)
USAGE_CORE = (
    "this medicine is used to ease mild to moderate symptoms",
    "the medicine helps control recurring discomfort",
    "treatment aims to reduce the frequency of flare-ups",
    "the product supports normal daily activity",
    "it is taken to relieve symptoms that disturb sleep",
    "the medicine can shorten the length of an episode",
    "it is often combined with rest and plenty of fluids",
    "the treatment helps keep symptoms stable",
    "it may be used alongside changes in diet and exercise",
    "it is chosen when simpler measures have not helped",
    "the medicine is started at a low dose and adjusted",
    "it is used for a limited period before a review",
)
USAGE_TAIL = (
    "and the benefit is usually noticed within a few days.",
    "while the underlying cause is being assessed.",
    "under the guidance of a doctor or pharmacist.",
    "although individual responses vary widely.",
    "and progress is checked at regular appointments.",
    "as part of a wider treatment plan.",
    "with clear instructions on how long to continue.",
    "when the expected benefit outweighs the possible risks.",
    "and it is not meant for long-term use without review.",
    "together with advice on sleep, diet and activity.",
)
MECH_OPEN = (
    "At the cellular level,",
    "In laboratory studies,",
    "After absorption,",
    "Within a few hours of a dose,",
    "Over repeated doses,",
    "In the body,",
    "According to pharmacology texts,",
    "In healthy volunteers,",
    "Once it reaches the bloodstream,",
    "In the gut and liver,",
)
MECH_CORE = (
    "the active ingredient binds to specific receptors on target cells",
    "the medicine slows the production of chemical messengers",
    "the compound reduces the activity of a key enzyme",
    "the drug changes how signals pass between nerve cells",
    "the substance lowers the release of inflammatory mediators",
    "the medicine relaxes smooth muscle in the airways and vessels",
    "the active form is produced by enzymes in the liver",
    "the drug is carried in the blood bound to plasma proteins",
    "the compound builds up gradually until a steady level is reached",
    "the medicine is broken down into inactive products",
    "the ingredient alters the balance of salts and water",
    "the drug blocks a transport protein in the cell membrane",
)
MECH_TAIL = (
    "which explains most of its expected effects.",
    "and this effect fades as the dose wears off.",
    "although the full mechanism is still being studied.",
    "and the kidneys remove most of it within a day.",
    "which is why the timing of doses matters.",
    "and this accounts for several of its side effects.",
    "so the benefit may take some days to appear.",
    "and the effect is broadly similar in adults of all ages.",
    "which is measured in routine blood tests in some studies.",
    "and the response differs a little between individuals.",
)
DOSE_OPEN = (
    "In practice,",
    "As a rule,",
    "For safety,",
    "In most cases,",
    "According to the label,",
    "Where possible,",
    "For long courses,",
    "At the start of treatment,",
)
DOSE_CORE = (
    "the dose depends on the condition being treated and the product strength",
    "tablets should be swallowed whole with a glass of water",
    "liquid forms should be measured with the syringe or spoon supplied",
    "doses are spaced evenly through the day",
    "the prescriber may change the dose after checking the response",
    "the lowest dose that controls symptoms is preferred",
    "the pharmacist can explain how to take each strength",
    "the product leaflet lists the exact amount per tablet",
)
DOSE_TAIL = (
    "and the instructions on the label should be followed.",
    "so that levels in the body stay steady.",
    "and it is worth keeping a simple record of doses.",
    "unless a doctor gives different advice.",
    "because strengths differ between brands.",
    "and any change should be discussed first.",
)
SIDE_OPEN = (
    "In clinical studies,",
    "In general,",
    "For most people,",
    "During the first weeks,",
    "In older adults,",
    "At higher doses,",
    "Over time,",
    "In rare cases,",
)
SIDE_CORE = (
    "side effects are mild and settle without treatment",
    "the body gets used to the medicine and complaints fade",
    "unwanted effects are more likely when the dose is increased",
    "some people stop treatment because of stomach complaints",
    "side effects are similar to those seen with a placebo",
    "symptoms such as tiredness or dizziness may appear",
    "a change in dose often makes unwanted effects easier to manage",
    "serious reactions are uncommon but need prompt attention",
)
SIDE_TAIL = (
    "and a pharmacist can advise on simple remedies.",
    "so it is worth reporting anything unexpected.",
    "and most people continue treatment without problems.",
    "although the pattern varies between people.",
    "and a doctor should review any lasting change.",
    "which is reflected in the product information.",
)
SIDE_BULLETS = {
    "Stomach upset": "mild nausea, indigestion or loose stools",
    "Headache": "a dull headache, usually in the first few days",
    "Dizziness": "light-headedness, especially when standing up quickly",
    "Drowsiness": "sleepiness or slowed reactions during the day",
    "Dry mouth": "a dry mouth or a change in taste",
    "Skin rash": "a mild, itchy rash on the arms or trunk",
    "Sleep changes": "trouble falling asleep or vivid dreams",
    "Tiredness": "unusual tiredness or low energy",
    "Constipation": "harder stools and less frequent bowel movements",
    "Muscle aches": "aching muscles or mild joint stiffness",
    "Swollen ankles": "mild swelling of the ankles or feet",
    "Cough": "a dry, tickly cough that persists",
}
SIDE_BULLET_TAIL = (
    "This usually settles within a week or two.",
    "Taking the dose with food may help.",
    "Tell a pharmacist if it does not improve.",
    "It is more common at higher doses.",
    "Stop treatment and seek advice if it becomes severe.",
    "It is reported by a small share of users.",
)
SIDE_CLOSING = (
    "Serious side effects are rare. If you notice anything that worries you, stop taking "
    "the medicine and contact a doctor or pharmacist promptly.",
    "Most side effects are mild and short-lived. Seek urgent help for chest pain, fainting, "
    "severe stomach pain or sudden breathing difficulty.",
    "This is not a complete list. Report any unexpected or lasting symptoms to a healthcare "
    "professional.",
)
USAGE_BULLETS = {
    "Symptom relief": "Short courses help ease symptoms while the cause settles on its own.",
    "Long-term control": "Regular daily doses keep symptoms from returning in chronic cases.",
    "Prevention": "Some people take it before known triggers to prevent an episode.",
    "Combination use": "It is sometimes used together with other medicines for a fuller effect.",
    "Specialist use": "Hospital teams may use it in settings not covered by the label.",
    "Recovery support": "It can support a faster return to normal daily activity.",
    "Travel": "A short supply is often carried for use during long journeys.",
}
MECH_BULLETS = {
    "Absorption": "Most of the dose is absorbed from the gut within one to two hours.",
    "Distribution": "The medicine spreads through body tissues and crosses cell membranes.",
    "Metabolism": "Liver enzymes convert it into products that are easier to remove.",
    "Elimination": "The kidneys clear the breakdown products in the urine.",
    "Onset of action": "Effects usually begin within an hour of a single dose.",
    "Duration of effect": "A single dose works for roughly eight to twelve hours.",
    "Receptor binding": "It attaches to its target receptors and changes their activity.",
    "Enzyme effects": "It slows an enzyme that drives the symptoms being treated.",
}
MECH_CLOSING = (
    "The exact way the medicine works in every condition is not fully understood, and "
    "research continues.",
    "These effects together explain both the benefits and the most common side effects.",
    "The overall effect depends on the dose, the timing and how each person responds.",
)
PRECAUTIONS = {
    "Pregnancy and breastfeeding": (
        "Ask a doctor before use if you are pregnant, planning a pregnancy or breastfeeding.",
        "Safety in pregnancy is not fully established, so use it only if clearly needed.",
    ),
    "Kidney function": (
        "People with reduced kidney function may need a lower dose and regular checks.",
        "Kidney problems can slow the removal of the medicine from the body.",
    ),
    "Liver function": (
        "Liver disease can raise blood levels of the medicine; a lower dose may be needed.",
        "Tell the prescriber about any past liver problems before starting treatment.",
    ),
    "Alcohol": (
        "Alcohol can add to drowsiness and stomach irritation; keep intake low.",
        "Avoid heavy drinking while taking this medicine.",
    ),
    "Driving and machinery": (
        "Do not drive or use machines until you know how the medicine affects you.",
        "Drowsiness or blurred vision can make driving unsafe in the first days.",
    ),
    "Drug interactions": (
        "Tell your pharmacist about every medicine, supplement and herbal product you take.",
        "Some antidepressants and antifungals can change how this medicine is handled.",
    ),
    "Older adults": (
        "Older adults may be more sensitive to side effects and often start on a lower dose.",
        "Falls and confusion are more likely in older adults at higher doses.",
    ),
    "Children": (
        "Use in children only as directed by a doctor or pharmacist.",
        "Keep out of the sight and reach of children.",
    ),
    "Existing conditions": (
        "Mention heart, lung or stomach conditions to the prescriber before starting.",
        "People with asthma or epilepsy may need closer monitoring.",
    ),
    "Storage": (
        "Store at room temperature, away from heat, light and moisture.",
        "Do not use after the expiry date printed on the pack.",
    ),
}
DOSE_ITEMS = {
    "Adults": (
        "The usual dose is {d} mg taken {f}; the prescriber may adjust it after {w} weeks.",
        "Adults usually start with {d} mg {f}, increased slowly if needed.",
    ),
    "Children": (
        "Children are dosed by weight by a clinician or pharmacist.",
        "Use in children under 12 years is not recommended unless a specialist advises it.",
        "For children aged 6 to 11, the usual dose is {c} mg {f}.",
    ),
    "Older adults": (
        "Older adults often start at {c} mg {f} because they clear the medicine more slowly.",
        "No routine change is needed, but side effects should be watched closely.",
    ),
    "Maximum daily dose": (
        "Do not take more than {m} mg in 24 hours unless a doctor directs otherwise.",
        "The total daily amount should not exceed {m} mg.",
    ),
    "Missed dose": (
        "Take the missed dose when you remember, but skip it if the next one is almost due.",
        "Never take two doses together to make up for a forgotten one.",
    ),
    "Kidney impairment": (
        "A lower dose or a longer gap between doses may be needed.",
        "The prescriber sets the dose according to kidney test results.",
    ),
    "Liver impairment": (
        "Start with the lowest dose and increase it only with medical advice.",
        "Use with caution; levels in the blood may be higher than expected.",
    ),
    "With food": (
        "It can be taken with or without food, at about the same time each day.",
        "Taking each dose with a meal or a glass of milk can reduce stomach upset.",
    ),
    "Duration": (
        "Short courses of {w} to 10 days are usual for sudden symptoms.",
        "Long-term treatment is reviewed at least once a year.",
    ),
}
DOSE_FREQ = (
    "once daily",
    "twice daily",
    "every 8 hours",
    "every 12 hours",
    "at bedtime",
    "with the evening meal",
    "every 4 to 6 hours as needed",
)
DOSE_INTRO = (
    "Dosage for {n} depends on the condition, the form of the product and the person's "
    "age, weight and kidney function.",
    "The right dose of {n} is set by the prescriber or stated on the pack, and it should "
    "not be changed without advice.",
    "{n} is available in several strengths, so check the label each time you buy it.",
)
USAGE_LEAD = (
    "{n} is {ac} used to relieve symptoms and support recovery in adults.",
    "{n} belongs to the {c} group and is used for several common conditions.",
    "{n} is {ac} that doctors and pharmacists recommend for short-term relief.",
    "{n} is {ac} taken by mouth for both sudden and long-lasting symptoms.",
)
MECH_LEAD = (
    "{n} works mainly through a few well described effects, including:",
    "The effects of {n} come from several actions in the body:",
    "{n} acts in more than one way, as summarised below:",
)
SIDE_LEAD = (
    "{n} is usually well tolerated, but some people experience side effects, including:",
    "Like all medicines, {n} can cause side effects, although not everybody gets them:",
    "Side effects of {n} are mostly mild and tend to settle with time. They include:",
)
USAGE_MID = (
    "Common reasons people use {n} include:",
    "Typical uses of {n} are:",
    "Doctors most often suggest {n} for:",
)
FAQS = (
    (
        "Can I drink alcohol while taking {n}",
        (
            "Small amounts are usually fine, but alcohol can add to drowsiness.",
            "It is best to keep alcohol low and ask a pharmacist if unsure.",
        ),
    ),
    (
        "How long does {n} take to work",
        (
            "Many people notice a change within a few hours to a few days.",
            "Full benefit in long-term use may take two to four weeks.",
        ),
    ),
    (
        "What should I do if I miss a dose of {n}",
        (
            "Take it when you remember unless the next dose is nearly due.",
            "Do not double the next dose to catch up.",
        ),
    ),
    (
        "Can I take {n} while pregnant",
        (
            "Ask a doctor first, because the balance of benefit and risk differs for each person.",
            "Do not stop a prescribed medicine without advice.",
        ),
    ),
    (
        "Is {n} safe while breastfeeding",
        (
            "Small amounts may pass into breast milk.",
            "A doctor or pharmacist can advise whether it is suitable.",
        ),
    ),
    (
        "Can children take {n}",
        (
            "Only in the forms and doses approved for their age.",
            "A clinician or pharmacist works out the dose by weight.",
        ),
    ),
    (
        "Should I take {n} with food",
        (
            "It can be taken with or without food.",
            "Taking it with a meal may ease stomach upset.",
        ),
    ),
    (
        "How should I store {n}",
        (
            "Keep it at room temperature in the original pack, away from moisture.",
            "Keep all medicines out of the reach of children.",
        ),
    ),
    (
        "Can I stop taking {n} suddenly",
        (
            "Stopping a short course is usually fine.",
            "After long-term use, ask the prescriber how to reduce the dose gradually.",
        ),
    ),
    (
        "Will {n} make me drowsy",
        (
            "Some people feel sleepy in the first days.",
            "Avoid driving until you know how it affects you.",
        ),
    ),
    (
        "Is {n} available without a prescription",
        (
            "Some strengths are sold in pharmacies, others need a prescription.",
            "Rules differ between countries.",
        ),
    ),
    (
        "What happens if I take too much {n}",
        (
            "Contact a poison centre or emergency service straight away.",
            "Bring the pack with you so staff know what was taken.",
        ),
    ),
)
DISCLAIMERS = (
    "This monograph is general information for reference only and is not medical advice. "
    "Ask a doctor or pharmacist about your own situation.",
    "The information here is a general summary and may not cover every use or risk. Always "
    "follow the advice of your healthcare professional.",
    "This text is provided for education and reference. It does not replace a consultation "
    "with a qualified healthcare professional.",
)
NOTES = (
    "Product details vary between brands and countries, so check the leaflet in your pack.",
    "Some information in this entry is based on limited data and may change as studies "
    "are published.",
    "Strengths and forms listed here may not be available everywhere.",
)
HTML_BITS = (
    "Each dose may be dissolved in about 100 mL of H<sub>2</sub>O before use.",
    "Counts below 10<sup>3</sup> cells per microlitre were seen in a few study participants.",
    "Please <em>note</em> that the tablets should not be crushed or chewed.",
    "Blood levels peak at about 2 &times; 10<sup>-6</sup> mol/L after a standard dose.",
    "The coating protects the tablet from stomach acid (<em>enteric</em> release).",
)
PROSE_BRIDGE = (
    "Most people take it without trouble, but a few points about safety matter.",
    "Like any medicine, it can cause unwanted effects in some people.",
    "Safety questions come up often, and the main ones are covered here.",
)

# Marker sentences: (bullet label, text). The text itself carries the exact marker word
# ("allergy", "bleeding", "grapefruit", "zorblatic"), so an exact-word search finds every
# marked file, also where labels are dropped (prose-only files).
ALLERGY_SIDE = (
    (
        "Allergic reactions",
        "Rarely, a drug allergy shows up as an allergic reaction with rash, swelling of the "
        "face or breathing difficulty, which needs urgent care.",
    ),
    (
        "Allergic skin reactions",
        "Hives or an itchy rash may be signs of an allergy; stop the medicine and seek advice.",
    ),
)
ALLERGY_PREC = (
    (
        "Allergy",
        "Do not use this medicine if you have had an allergy to any of its ingredients "
        "or to related medicines.",
    ),
    (
        "Known allergies",
        "Tell the pharmacist about any allergies, including an allergy to dyes or "
        "preservatives, before starting treatment.",
    ),
)
BLEEDING = (
    (
        "Bleeding risk",
        "Unusual bleeding or bruising should be reported promptly, especially "
        "in people taking blood thinners.",
    ),
    (
        "Bleeding",
        "Stop treatment and seek care for black stools, nosebleeds that will not stop "
        "or other signs of bleeding.",
    ),
)
GRAPEFRUIT = (
    (
        "Grapefruit",
        "Large amounts of grapefruit juice can raise blood levels of this medicine, "
        "so avoid it during treatment.",
    ),
    (
        "Food interactions",
        "Avoid grapefruit and grapefruit juice, which slow the breakdown of the active ingredient.",
    ),
)
ZORBLATIC = (
    "Laboratory work also suggests a zorblatic effect on cell signalling, although its "
    "relevance in people is unclear.",
    "Some researchers describe the action as zorblatic, a term used for this unusual binding "
    "pattern.",
)

# --------------------------------------------------------------------------- helpers

T = TypeVar("T")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_YAML_SPECIAL = re.compile(r"[:#\[\]{},&*!|>'\"%@`]|^[-?\s]|\s$")


def slugify(text: str) -> str:
    """Ascii lower-case words joined by hyphens ("Café-Ölamin (oral)" -> "cafe-olamin-oral")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_ALNUM.sub("-", folded).strip("-")


def yaml_scalar(value: str) -> str:
    """A YAML scalar for value, double-quoted when a plain scalar would be unsafe."""
    if _YAML_SPECIAL.search(value):
        return json.dumps(value, ensure_ascii=False)
    return value


def clean(text: str) -> bool:
    low = text.lower()
    return not any(word in low for word in FORBIDDEN)


def with_article(noun: str) -> str:
    """The noun with "a" or "an": an antiviral, a statin, an NSAID."""
    vowel = noun[0].lower() in "aeiou" or noun.split()[0] in {"NSAID", "H2", "SSRI"}
    return f"{'an' if vowel else 'a'} {noun}"


def triples(a: tuple[str, ...], b: tuple[str, ...], c: tuple[str, ...]) -> list[str]:
    return [f"{x} {y} {z}" for x in a for y in b for z in c]


class Rng(random.Random):
    """random.Random with pick(), a cheaper choice() (one random() call per pick)."""

    def pick(self, seq: Sequence[T]) -> T:
        return seq[int(self.random() * len(seq))]


class Block:
    """A paragraph (kind "p": sentences) or labelled items (kind "b": bullets, "l": labelled
    paragraphs), each item a (label, text) pair."""

    __slots__ = ("items", "kind", "sentences")

    def __init__(
        self,
        kind: str,
        sentences: list[str] | None = None,
        items: list[tuple[str, str]] | None = None,
    ) -> None:
        self.kind = kind
        self.sentences: list[str] = sentences if sentences is not None else []
        self.items: list[tuple[str, str]] = items if items is not None else []

    def render(self, bullets: bool | None = None) -> str:
        if self.kind == "p":
            return " ".join(self.sentences)
        as_bullets = self.kind == "b" if bullets is None else bullets
        if as_bullets:
            return "\n".join(f"* **{label}:** {text}" for label, text in self.items)
        return "\n\n".join(f"**{label}:** {text}" for label, text in self.items)

    def plain(self) -> str:
        """The text without labels, and without sentences that introduce a list."""
        if self.kind == "p":
            return " ".join(s for s in self.sentences if not s.endswith(":"))
        return " ".join(text for _, text in self.items)


Section = tuple[str, list[Block]]  # (heading name, blocks)


class Pools:
    """Sentence pools and other per-run vocabulary, built once."""

    def __init__(self) -> None:
        self.usage = triples(USAGE_OPEN, USAGE_CORE, USAGE_TAIL)
        self.mech = triples(MECH_OPEN, MECH_CORE, MECH_TAIL)
        self.dose = triples(DOSE_OPEN, DOSE_CORE, DOSE_TAIL)
        self.side = triples(SIDE_OPEN, SIDE_CORE, SIDE_TAIL)
        self.side_bullets = [
            (label, f"Some people notice {sym}. {tail}")
            for label, sym in SIDE_BULLETS.items()
            for tail in SIDE_BULLET_TAIL
        ]
        self.usage_bullets = list(USAGE_BULLETS.items())
        self.mech_bullets = list(MECH_BULLETS.items())
        self.precautions = list(PRECAUTIONS.items())
        self.dose_labels = list(DOSE_ITEMS)
        every = [
            *self.usage,
            *self.mech,
            *self.dose,
            *self.side,
            *CLASSES,
            *TAGS,
            *(t for _, t in self.side_bullets),
            *SIDE_BULLETS,
            *USAGE_BULLETS.values(),
            *USAGE_BULLETS,
            *MECH_BULLETS.values(),
            *MECH_BULLETS,
            *PRECAUTIONS,
            *(t for ts in PRECAUTIONS.values() for t in ts),
            *DOSE_ITEMS,
            *(t for ts in DOSE_ITEMS.values() for t in ts),
            *DOSE_INTRO,
            *USAGE_LEAD,
            *MECH_LEAD,
            *SIDE_LEAD,
            *USAGE_MID,
            *DISCLAIMERS,
            *NOTES,
            *HTML_BITS,
            *PROSE_BRIDGE,
            *SIDE_CLOSING,
            *MECH_CLOSING,
            *(q for q, _ in FAQS),
            *(a for _, ans in FAQS for a in ans),
        ]
        bad = [s for s in every if not clean(s)]
        if bad:
            raise AssertionError(f"filler vocabulary contains marker words: {bad[:3]}")
        for word, texts in (
            ("allergy", [t for _, t in ALLERGY_SIDE + ALLERGY_PREC]),
            ("bleeding", [t for _, t in BLEEDING]),
            ("grapefruit", [t for _, t in GRAPEFRUIT]),
            ("zorblatic", list(ZORBLATIC)),
        ):
            if not all(re.search(rf"\b{word}\b", t) for t in texts):
                raise AssertionError(f"a marker text lacks the word {word!r}")


# --------------------------------------------------------------------------- planning


class Doc:
    """One planned monograph."""

    __slots__ = (
        "aliases",
        "cls",
        "components",
        "extras",
        "id",
        "markers",
        "primary",
        "reviewed",
        "tags",
        "title",
    )

    def __init__(self, primary: str, extras: list[str]) -> None:
        self.primary = primary  # DEFAULT or one variant name
        self.extras = extras  # orthogonal variants added on top of a structural one
        self.title = ""
        self.id = ""
        self.components: list[str] = []  # ingredient names (2 for a combination)
        self.aliases: list[str] = []
        self.cls = ""
        self.tags: list[str] = []
        self.reviewed = ""
        self.markers: set[str] = set()

    def variants(self) -> list[str]:
        return ([] if self.primary == DEFAULT else [self.primary]) + self.extras

    def has(self, variant: str) -> bool:
        return self.primary == variant or variant in self.extras


class Namer:
    """Invents unique drug-like names, brand names and special titles."""

    def __init__(self, rng: Rng) -> None:
        self.rng = rng
        self.used: set[str] = set()  # lower-cased names, aliases and ids

    def _fresh(self, make: Callable[[], str]) -> str:
        while True:
            word = make()
            key = word.lower()
            if key not in self.used and clean(key):
                self.used.add(key)
                return word

    def generic(self) -> str:
        r = self.rng

        def make() -> str:
            mids = "".join(r.pick(NAME_MID) for _ in range(r.pick((0, 1, 1, 2))))
            return (r.pick(NAME_PRE) + mids + r.pick(NAME_SUF)).capitalize()

        return self._fresh(make)

    def brand(self) -> str:
        r = self.rng

        def make() -> str:
            mids = "".join(r.pick(NAME_MID) for _ in range(r.pick((0, 1, 1, 2))))
            return (r.pick(NAME_PRE) + mids + r.pick(BRAND_END)).capitalize()

        return self._fresh(make)

    def accented(self, word: str) -> str:
        """word with one or two vowels given diacritics (always at least one)."""
        chars = list(word)
        spots = [i for i, ch in enumerate(chars) if ch.lower() in ACCENTS]
        for i in self.rng.sample(spots, min(len(spots), self.rng.pick((1, 2)))):
            ch = chars[i]
            acc = ACCENTS[ch.lower()]
            chars[i] = acc.upper() if ch.isupper() else acc
        return "".join(chars)

    def special(self) -> str:
        """A title with non-ascii letters and some of / ( ) [ ], e.g. Café-Ölamin (oral) [EU]."""
        r = self.rng
        a = self.accented(self.generic())
        b = self.accented(self.brand())
        c = self.generic()
        route, region, form = r.pick(ROUTES), r.pick(REGIONS), r.pick(FORMS)
        shape = r.randrange(4)
        if shape == 0:
            return f"{a} ({route}) [{region}]"
        if shape == 1:
            return f"{b}-{a} ({route})"
        if shape == 2:
            return f"{a}/{c} ({form}) [{region}]"
        return f"{a} {r.pick((5, 10, 20, 25, 50))} mg/{r.pick((1, 5))} mL [{region}]"

    def special_title(self) -> tuple[str, str]:
        """A special() title whose id is new, and the accented generic name it starts with."""
        while True:
            title = self.special()
            slug = slugify(title)
            if slug not in self.used:
                self.used.add(slug)
                base = re.split(r"[ /(\[]", title)[0]
                return title, base.split("-")[-1] if "-" in base else base


def plan(n: int, rng: Rng) -> list[Doc]:
    docs: list[Doc] = []
    for _ in range(n):
        r = rng.random()
        edge = P_STRUCTURAL * len(STRUCTURAL)
        extras: list[str] = []
        if r < edge:
            primary = STRUCTURAL[int(r / P_STRUCTURAL)]
            for variant in ORTHOGONAL:
                if rng.random() < P_EXTRA:
                    extras.append(variant)
        elif r < edge + P_ORTHOGONAL * len(ORTHOGONAL):
            primary = ORTHOGONAL[min(int((r - edge) / P_ORTHOGONAL), len(ORTHOGONAL) - 1)]
        else:
            primary = DEFAULT
        # Drop combinations that make no sense.
        if primary == PROSE_ONLY and THEMATIC_BREAK in extras:
            extras.remove(THEMATIC_BREAK)
        if primary in COMBO_VARIANTS and SPECIAL_TITLE in extras:
            extras.remove(SPECIAL_TITLE)
        if NO_FRONT_MATTER in extras and JEKYLL_KEYS in extras:
            extras.remove(JEKYLL_KEYS)
        docs.append(Doc(primary, extras))

    namer = Namer(rng)
    combos: list[Doc] = []
    plain_singles: list[str] = []
    for doc in docs:
        if doc.primary in COMBO_VARIANTS or (
            not doc.has(SPECIAL_TITLE) and rng.random() < P_COMBINATION
        ):
            combos.append(doc)
            continue
        if doc.has(SPECIAL_TITLE):
            doc.title, base = namer.special_title()
            doc.components = [base]
        else:
            doc.title = namer.generic()
            doc.components = [doc.title]
            plain_singles.append(doc.title)
    pairs: set[tuple[str, str]] = set()
    for doc in combos:
        for _ in range(50 if len(plain_singles) >= 2 else 0):
            a, b = rng.sample(plain_singles, 2)
            title = f"{a} + {b}"
            slug = slugify(title)
            if (min(a, b), max(a, b)) in pairs or slug in namer.used:
                continue
            pairs.add((min(a, b), max(a, b)))
            namer.used.add(slug)
            doc.title, doc.components = title, [a, b]
            break
        if not doc.title:  # too few singles for a new pair: make it a single after all
            if doc.primary in COMBO_VARIANTS:
                doc.primary = DEFAULT
            doc.title = namer.generic()
            doc.components = [doc.title]
    for doc in docs:
        doc.id = slugify(doc.title)
    if len({d.id for d in docs}) != len(docs):
        raise AssertionError("duplicate ids")

    start = date(2023, 1, 1).toordinal()
    span = date(2026, 11, 26).toordinal() - start
    for doc in docs:
        doc.aliases = [namer.brand() for _ in range(rng.pick((1, 2, 2, 3)))]
        doc.cls = rng.pick(CLASSES)
        doc.tags = rng.sample(TAGS, rng.randint(3, 5))
        doc.reviewed = date.fromordinal(start + rng.randrange(span + 1)).isoformat()

    if n:
        for marker, share in MARKER_SHARE.items():
            for i in rng.sample(range(n), max(1, round(share * n))):
                docs[i].markers.add(marker)
        for i in rng.sample(range(n), min(n, ZORBLATIC_FILES)):
            docs[i].markers.add("zorblatic")
    return docs


# --------------------------------------------------------------------------- content


class Builder:
    """Builds and renders one monograph's text."""

    def __init__(self, rng: Rng, pools: Pools) -> None:
        self.rng = rng
        self.pools = pools

    # ---- content model

    def ingredient(
        self, name: str, cls: str, generic: str, compact: bool = False
    ) -> tuple[list[Section], list[tuple[Block, list[str]]]]:
        """Sections Generic Name..Precautions for one ingredient (or a whole product), and the
        paragraphs that may grow, each with its sentence pool. compact: fewer items, for files
        that describe each ingredient of a combination separately."""
        r, p = self.rng, self.pools
        grow: list[tuple[Block, list[str]]] = []
        less = 1 if compact else 0

        lead = r.pick(USAGE_LEAD).format(n=name, c=cls, ac=with_article(cls))
        usage_intro = Block("p", [lead] if compact else [lead, r.pick(p.usage)])
        usage_mid = Block("p", [r.pick(USAGE_MID).format(n=name)])
        usage_items = Block("b", items=r.sample(p.usage_bullets, r.randint(2, 4 - 2 * less)))
        usage_end = Block("p", [r.pick(p.usage)])
        grow += [(usage_intro, p.usage), (usage_end, p.usage)]

        dose_intro = Block("p", [r.pick(DOSE_INTRO).format(n=name)])
        labels = ["Adults", *r.sample(p.dose_labels[1:], r.randint(2 - less, 4 - 2 * less))]
        labels.sort(key=p.dose_labels.index)
        nums = {
            "d": r.pick((5, 10, 20, 25, 50, 100, 200, 250, 400, 500)),
            "c": r.pick((2, 5, 10, 50, 100)),
            "m": r.pick((40, 80, 150, 300, 1000, 1200, 2000, 3000)),
            "w": r.pick((2, 3, 4, 6)),
            "f": r.pick(DOSE_FREQ),
        }
        dose_items = Block(
            "l", items=[(lab, r.pick(DOSE_ITEMS[lab]).format(**nums)) for lab in labels]
        )
        grow.append((dose_intro, p.dose))

        side_intro = Block("p", [r.pick(SIDE_LEAD).format(n=name)])
        side_items = Block(
            "b", items=self._distinct(p.side_bullets, r.randint(3 - less, 5 - 2 * less))
        )
        side_end = Block("p", [r.pick(SIDE_CLOSING)] + [r.pick(p.side)] * (1 - less))
        grow.append((side_end, p.side))

        mech_intro = Block("p", [r.pick(MECH_LEAD).format(n=name)])
        mech_items = Block("b", items=r.sample(p.mech_bullets, r.randint(2, 4 - 2 * less)))
        mech_end = Block("p", [r.pick(MECH_CLOSING)] + [r.pick(p.mech)] * (1 - less))
        grow.append((mech_end, p.mech))

        prec = r.sample(p.precautions, r.randint(4 - less, 6 - 2 * less))
        prec_items = Block("b", items=[(label, r.pick(texts)) for label, texts in prec])

        sections: list[Section] = [
            ("Generic Name", [Block("p", [generic])]),
            ("Usage", [usage_intro, usage_mid, usage_items, usage_end]),
            ("Dosage", [dose_intro, dose_items]),
            ("Side Effects", [side_intro, side_items, side_end]),
            ("How it Works", [mech_intro, mech_items, mech_end]),
            ("Precautions", [prec_items]),
        ]
        return sections, grow

    def _distinct(self, pool: list[tuple[str, str]], k: int) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        seen: set[str] = set()
        while len(out) < k:
            label, text = self.rng.pick(pool)
            if label not in seen:
                seen.add(label)
                out.append((label, text))
        return out

    def add_markers(self, doc: Doc, sections: list[Section]) -> None:
        """Put doc's marker sentences into its Side Effects / Precautions / How it Works."""
        r = self.rng
        by_name = {name: blocks for name, blocks in sections}
        side_items = by_name["Side Effects"][1]
        prec_items = by_name["Precautions"][0]
        if "allergy" in doc.markers:
            if r.random() < 0.5:
                side_items.items.insert(r.randint(0, len(side_items.items)), r.pick(ALLERGY_SIDE))
            else:
                prec_items.items.insert(0, r.pick(ALLERGY_PREC))
        if "bleeding" in doc.markers:
            target = side_items if r.random() < 0.5 else prec_items
            target.items.insert(r.randint(0, len(target.items)), r.pick(BLEEDING))
        if "grapefruit" in doc.markers:
            prec_items.items.insert(r.randint(0, len(prec_items.items)), r.pick(GRAPEFRUIT))
        if "zorblatic" in doc.markers:
            by_name["How it Works"][2].sentences.append(r.pick(ZORBLATIC))

    def faqs(self, name: str) -> list[tuple[str, str]]:
        picked = self.rng.sample(FAQS, self.rng.randint(4, 6))
        return [(q.format(n=name) + "?", " ".join(a)) for q, a in picked]

    # ---- rendering

    def heading(self, doc: Doc, name: str, forced: str | None = None) -> str:
        if doc.primary == HEADING_LEVELS:
            level = forced or self.rng.pick(("##", "###", "###", "####"))
            text = f"**{name}**" if forced or self.rng.random() < 0.4 else name
            return f"{level} {text}"
        if doc.primary == HEADING_COLON:
            return f"### {name}:"
        return f"### {name}"

    def render_sections(self, doc: Doc, sections: list[Section]) -> list[str]:
        """Rendered sections (no FAQs), one string each."""
        out: list[str] = []
        for name, blocks in sections:
            if doc.primary == BOLD_LABELS or doc.primary == COMBO_INGREDIENTS:
                out.append(self.labelled(name, blocks))
                continue
            if name == "Generic Name" and doc.primary == HEADING_VALUE:
                out.append(f"### Generic Name: {blocks[0].sentences[0]}")
                continue
            forced = "##" if doc.primary == HEADING_LEVELS and name == "Usage" else None
            body = "\n\n".join(b.render() for b in blocks)
            out.append(f"{self.heading(doc, name, forced)}\n{body}")
        return out

    @staticmethod
    def labelled(name: str, blocks: list[Block]) -> str:
        """A section as a paragraph led by **Name:** (bullets right under the label)."""
        if name == "Dosage":  # the label is followed by the bullet list
            blocks = sorted(blocks, key=lambda b: b.kind != "l")
        first, rest = blocks[0], blocks[1:]
        if first.kind == "p":
            head = f"**{name}:** {first.render()}"
        else:
            head = f"**{name}:**\n{first.render(bullets=True)}"
        parts = [head]
        for block in rest:
            parts.append(block.render(bullets=True) if block.kind == "l" else block.render())
        return "\n\n".join(parts)

    def render_faqs(self, doc: Doc, faqs: list[tuple[str, str]], heading: bool = True) -> str:
        if doc.primary == FAQ_ALT:
            shape = self.rng.randrange(4)
            if shape == 0:
                items = [f"**Q: {q}**\nA: {a}" for q, a in faqs]
            elif shape == 1:
                items = [f"* **{q}** {a}" for q, a in faqs]
            elif shape == 2:
                items = [f"{i}. {q}\n\n   {a}" for i, (q, a) in enumerate(faqs, 1)]
            else:
                items = [f"#### {q}\n\n{a}" for q, a in faqs]
        else:
            items = [f"* **Q: {q}**  A: {a}" for q, a in faqs]
        body = "\n\n".join(items)
        if doc.primary == BOLD_LABELS:
            return f"**FAQs:**\n\n{body}"
        return f"{self.heading(doc, 'FAQs')}\n\n{body}" if heading else body

    def front_matter(self, doc: Doc) -> str:
        if doc.has(NO_FRONT_MATTER):
            return ""
        lines = ["---"]
        if doc.has(JEKYLL_KEYS):
            lines.append("layout: minimal-medicine")
        lines += [
            f"title: {yaml_scalar(doc.title)}",
            f"aliases: [{', '.join(doc.aliases)}]",
            f"class: {yaml_scalar(doc.cls)}",
            f"tags: [{', '.join(doc.tags)}]",
            "sources:",
            f"  - {yaml_scalar('Synthetic prescribing information for ' + doc.title)}",
            f"  - {yaml_scalar('Synthetic formulary entry, ' + doc.title)}",
            f"reviewed: {doc.reviewed}",
        ]
        if doc.has(JEKYLL_KEYS):
            lines.append("nav_exclude: true")
        lines.append("---\n\n")
        return "\n".join(lines)

    def build(self, doc: Doc) -> str:
        r = self.rng
        target = r.randint(SIZE_MIN, SIZE_MAX)
        grow: list[tuple[Block, list[str]]] = []
        parts: list[tuple[str | None, list[Section]]] = []  # (ingredient heading, sections)
        if doc.primary in COMBO_VARIANTS:
            for name in doc.components:
                secs, g = self.ingredient(name, doc.cls, name, compact=True)
                if doc.primary == COMBO_INGREDIENTS:
                    secs = secs[1:]
                parts.append((name if doc.primary == COMBO_INGREDIENTS else None, secs))
                grow += g
        else:
            generic = " and ".join(doc.components)
            secs, grow = self.ingredient(doc.title, doc.cls, generic)
            parts.append((None, secs))
        self.add_markers(doc, r.pick(parts)[1])
        if doc.has(INLINE_HTML):
            blocks = [b for b, _ in grow]
            for bit in r.sample(HTML_BITS, 3):
                r.pick(blocks).sentences.append(bit)
        faqs = self.faqs(doc.title)
        closing = (
            f"**Note:** {r.pick(NOTES)}"
            if doc.primary == NOTE_CLOSING
            else f"**Disclaimer:** {r.pick(DISCLAIMERS)}"
        )
        break_at = r.random()

        def render() -> str:
            head = self.front_matter(doc) + f"# {doc.title}\n"
            if doc.primary == PROSE_ONLY:
                return head + self.prose(parts[0][1], break_at) + "\n"
            sections: list[str] = []
            for ingredient, secs in parts:
                rendered = self.render_sections(doc, secs)
                if ingredient is not None:
                    rendered = [f"### {ingredient}\n" + "\n\n".join(rendered)]
                sections += rendered
            if doc.primary == COMBO_INGREDIENTS:
                intro = (
                    f"{doc.title} is a combination product. Each ingredient is described "
                    "separately below."
                )
                sections.insert(0, intro)
            sections.append(self.render_faqs(doc, faqs) + "\n\n" + closing)
            if doc.has(THEMATIC_BREAK) and len(sections) > 2:
                k = 1 + int(break_at * (len(sections) - 2))
                sections[k - 1] += "\n\n---"
            return head + "\n\n".join(sections) + "\n"

        # Grow the expandable paragraphs until the file reaches its target size.
        text = render()
        deficit = target - len(text.encode("utf-8"))
        if deficit > 0 and grow:
            i = r.randrange(len(grow))
            added = 0
            while added < deficit:
                block, pool = grow[i % len(grow)]
                sentence = r.pick(pool)
                block.sentences.append(sentence)
                added += len(sentence) + 1
                i += 1
            text = render()
        return text

    def prose(self, sections: list[Section], break_at: float) -> str:
        """2 or 3 plain paragraphs: no headings, no labels, no bullets."""
        by_name = {name: blocks for name, blocks in sections}
        first = [b.plain() for b in by_name["Usage"]] + [b.plain() for b in by_name["Dosage"]]
        second = [self.rng.pick(PROSE_BRIDGE)]
        second += [b.plain() for b in by_name["Side Effects"]]
        second += [b.plain() for b in by_name["Precautions"]]
        third = [b.plain() for b in by_name["How it Works"]]
        paragraphs = [" ".join(t for t in part if t) for part in (first, second, third)]
        if break_at < 0.4:  # two paragraphs
            paragraphs = [paragraphs[0] + " " + paragraphs[2], paragraphs[1]]
        return "\n\n".join(paragraphs)


# --------------------------------------------------------------------------- driver


def generate(n: int, outdir: Path, seed: int = 1) -> dict[str, Any]:
    """Write n monographs and manifest.json under outdir; return the manifest."""
    if n < 0:
        raise ValueError("n must be >= 0")
    outdir = Path(outdir)
    rng = Rng(seed)
    pools = Pools()
    docs = plan(n, rng)
    builder = Builder(rng, pools)

    outdir.mkdir(parents=True, exist_ok=True)
    for letter in sorted({d.id[0] for d in docs}):
        (outdir / letter).mkdir(exist_ok=True)
    total = 0
    variants: dict[str, int] = {name: 0 for name in (DEFAULT, *VARIANTS)}
    markers: dict[str, list[str]] = {m: [] for m in (*MARKER_SHARE, "zorblatic")}
    for doc in docs:
        data = builder.build(doc).encode("utf-8")
        (outdir / doc.id[0] / f"{doc.id}.md").write_bytes(data)
        total += len(data)
        for variant in doc.variants() or [DEFAULT]:
            variants[variant] += 1
        for marker in doc.markers:
            markers[marker].append(doc.id)
    manifest: dict[str, Any] = {
        "n": n,
        "seed": seed,
        "files": n,
        "bytes": total,
        "variants": variants,
        "markers": {m: sorted(ids) for m, ids in markers.items()},
        "ids": len({d.id for d in docs}),
    }
    (outdir / "manifest.json").write_text(
        json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a synthetic monograph corpus.")
    parser.add_argument("n", type=int, help="number of monographs to write")
    parser.add_argument("outdir", type=Path, help="output folder")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    manifest = generate(args.n, args.outdir, args.seed)
    elapsed = time.perf_counter() - started
    mean = manifest["bytes"] / manifest["files"] if manifest["files"] else 0.0
    print(
        f"wrote {manifest['files']} files ({manifest['bytes']} bytes) to {args.outdir} "
        f"in {elapsed:.2f}s; mean size {mean:.0f} bytes"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
