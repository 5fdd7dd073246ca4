"""Which label each monograph is made from, chosen from small per-label metadata.

The first pass over the files keeps one `Meta` (a few short strings) per label, never its
text, so that memory stays bounded; the winners are then re-read and written.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from medref.names import name_key, slugify
from medref.openfda.label import Label, mentions, moiety, own_name, title_case

ID_PREFIX = "fda-"
# Ids become file names: long combination names are cut, with the set_id's start added.
MAX_SLUG = 100


@dataclass(slots=True)
class Meta:
    src: int  # index of the source file
    pos: int  # position of the record in it
    set_id: str
    effective: str
    version: int
    name: str  # the generic name, title case, without route
    retitled: bool  # titled from its own text: the openfda block named another product
    route: str  # lower case ("oral", "oral, sublingual"), "" when not known
    reference: bool  # an NDA or BLA label (the reference product), not an ANDA
    brands: tuple[str, ...]
    manufacturer: str
    otc: bool


def describe(label: Label, src: int, pos: int) -> Meta:
    """The metadata of one label: its name, route and rank among labels of one generic."""
    own_text = " ".join(label.text("active_ingredient") + label.text("spl_product_data_elements"))
    harmonised = label.of("generic_name") or label.of("substance_name")
    generic = " and ".join(dict.fromkeys(title_case(n) for n in harmonised))
    retitled = False
    use_openfda = bool(label.openfda)
    if generic and own_text.strip() and not mentions(own_text, generic):
        # The openfda block describes another product: none of it is about this label.
        fallback = own_name(label)
        if fallback:
            generic, retitled, use_openfda = fallback, True, False
    if not generic:
        # A label that names no product anywhere is a monograph of its own, never merged
        # with other such labels: its set id stands in for the name.
        generic = own_name(label) or f"Unnamed label {label.set_id[:8]}"
    of = label.of if use_openfda else (lambda _key: [])
    routes = sorted({r.lower() for r in of("route")})
    apps = of("application_number")
    product_type = " ".join(of("product_type")).upper()
    otc = "OTC" in product_type or (
        not product_type and any(label.text(f) for f in ("purpose", "active_ingredient"))
    )
    return Meta(
        src=src,
        pos=pos,
        set_id=label.set_id,
        effective=label.effective_time,
        version=label.version,
        name=generic,
        retitled=retitled,
        route=", ".join(routes),
        reference=any(a.upper().startswith(("NDA", "BLA")) for a in apps),
        brands=tuple(dict.fromkeys(title_case(b) for b in of("brand_name"))),
        manufacturer=(of("manufacturer_name") or [""])[0],
        otc=otc,
    )


@dataclass(slots=True)
class Group:
    """One monograph to write: its id and title, the label it is made from, and the rest."""

    id: str
    title: str
    name: str
    route: str
    winner: Meta
    members: list[Meta] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)


def newest_per_set_id(metas: Iterable[Meta]) -> list[Meta]:
    """One label per set_id: the newest effective_time (then version, then the later one)."""
    best: dict[str, Meta] = {}
    for m in metas:
        cur = best.get(m.set_id)
        if cur is None or (m.effective, m.version, m.src, m.pos) >= (
            cur.effective,
            cur.version,
            cur.src,
            cur.pos,
        ):
            best[m.set_id] = m
    return list(best.values())


def _rank(m: Meta) -> tuple[bool, str, int, str]:
    return (m.reference, m.effective, m.version, m.set_id)


def _slug(text: str, set_id: str) -> str:
    slug = slugify(text)
    if len(slug) > MAX_SLUG:
        slug = slug[:MAX_SLUG].rstrip("-") + "-" + slugify(set_id)[:8]
    return slug or "label-" + slugify(set_id)[:8]


def choose(metas: Iterable[Meta], *, per_label: bool = False) -> list[Group]:
    """The monographs to write, sorted by id.

    By default one per generic name and route: the most recent label of the reference
    product (NDA/BLA) where there is one, else the most recent label. With per_label, one
    per label, its id ending with the start of its set_id.
    """
    labels = newest_per_set_id(metas)
    routes: dict[str, set[str]] = defaultdict(set)
    for m in labels:
        routes[name_key(m.name)].add(m.route)

    def title_of(m: Meta, extra: str = "") -> str:
        several = len(routes[name_key(m.name)]) > 1
        bits = [b for b in (m.route if several else "", extra) if b]
        return f"{m.name} ({'; '.join(bits)})" if bits else m.name

    groups: list[Group] = []
    if per_label:
        short: dict[str, int] = defaultdict(int)  # ids with the set id's first 8 characters
        for m in labels:
            short[f"{ID_PREFIX}{_slug(title_of(m), m.set_id)}-{slugify(m.set_id)[:8]}"] += 1
        for m in labels:
            title = title_of(m, m.manufacturer)
            slug = _slug(title_of(m), m.set_id)
            gid = f"{ID_PREFIX}{slug}-{slugify(m.set_id)[:8]}"
            if short[gid] > 1:  # two labels' set ids start alike: the whole set id tells them apart
                gid = f"{ID_PREFIX}{slug}-{slugify(m.set_id)}"
            groups.append(Group(gid, title, m.name, m.route, m, [m]))
    else:
        by_key: dict[tuple[str, str], list[Meta]] = defaultdict(list)
        for m in labels:
            by_key[(name_key(m.name), m.route)].append(m)
        taken: dict[str, int] = {}
        for members in by_key.values():
            members.sort(key=_rank, reverse=True)
            winner = members[0]
            title = title_of(winner)
            gid = ID_PREFIX + _slug(title, winner.set_id)
            if gid in taken:  # names that differ only in punctuation the slug drops
                gid = f"{gid}-{slugify(winner.set_id)[:8]}"
            taken[gid] = 1
            groups.append(Group(gid, title, winner.name, winner.route, winner, members))
    groups.sort(key=lambda g: g.id)
    return groups


def assign_aliases(
    groups: list[Group], hand_written: frozenset[str] | set[str], taken_elsewhere: set[str]
) -> None:
    """Brand names, and the salt-free moiety, as aliases of each group.

    A brand name that is also the name of a hand-written monograph is left out (the
    hand-written one owns it); so is the moiety when a hand-written or another imported
    monograph already has it as a title or alias.
    """
    titles = {name_key(g.title) for g in groups} | {name_key(g.name) for g in groups}
    used = set(taken_elsewhere) | titles
    for g in groups:
        own = {name_key(g.title), name_key(g.name)}
        seen: set[str] = set()
        aliases: list[str] = []
        # A generic name split by route ("Zorbamine (oral)", "Zorbamine (topical)") is still a
        # name of each, so that it finds them (as ambiguous) instead of nothing.
        if name_key(g.title) != name_key(g.name) and name_key(g.name) not in hand_written:
            aliases.append(g.name)
            seen.add(name_key(g.name))
        for m in [g.winner, *g.members]:
            for brand in m.brands:
                key = name_key(brand)
                if not key or key in own or key in seen or key in hand_written:
                    continue
                seen.add(key)
                aliases.append(brand)
        base = moiety(g.name)
        if base:
            key = name_key(base)
            if key not in hand_written and key not in used and key not in seen:
                aliases.append(base)
                seen.add(key)
        used.update(seen)
        g.aliases = aliases
