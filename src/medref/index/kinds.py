"""What each kind of section says about what a monograph is for: its ranking weight and tier.

Search ranks monographs by the best kind of section a query matched in (a condition in Usage
is what a monograph treats; in Side Effects or Precautions, usually something it causes or
must avoid), and weighs each section's words by their kind. The index groups a monograph's
sections by tier in one full-text row (schema.ranking_values), so both are read from one
row per monograph.
"""

from __future__ import annotations

SECTION_WEIGHTS: dict[str, float] = {
    "usage": 1.0,
    "how-it-works": 0.5,
    "dosage": 0.5,
    "generic-name": 0.5,
    "side-effects": 0.25,
    "precautions": 0.25,
    "faqs": 0.25,
    "boxed-warning": 0.25,
    "contraindications": 0.25,
    "interactions": 0.25,
    "drug-interactions": 0.25,
    "warnings": 0.25,
    "warning": 0.25,
    "overdose": 0.25,
}
OTHER_WEIGHT = 0.5  # a section of another kind (an imported label's own headings)
# Boilerplate and source notes: least weight, never a monograph's best section, and a
# monograph found only there is listed after every other.
BOILERPLATE = frozenset(
    {"disclaimer", "references", "sources", "note", "notes", "important-note", "important"}
)
BOILERPLATE_WEIGHT = 0.05
# Every kind's weight in one table (kinds not in it: OTHER_WEIGHT).
KIND_WEIGHTS = {**SECTION_WEIGHTS, **dict.fromkeys(BOILERPLATE, BOILERPLATE_WEIGHT)}
# The tiers, best first, named as the ranking table's columns: each holds the kinds of one
# weight (usage; how it works, dosage, names and other kinds; side effects, precautions and
# warnings; boilerplate).
TIERS = ("usage", "role", "caution", "note")
TIER_WEIGHTS = (1.0, 0.5, 0.25, BOILERPLATE_WEIGHT)


def weight(key: str) -> float:
    """The weight of a section's kind."""
    return KIND_WEIGHTS.get(key, OTHER_WEIGHT)


def tier(key: str) -> int:
    """The tier of a section's kind: 0 (usage) to 3 (boilerplate)."""
    return TIER_WEIGHTS.index(weight(key))
