"""medref as a library: the one typed class the command line is a client of.

    from medref import Library

    lib = Library()
    mono = lib.get("tylenol")                      # by id, title or alias
    print(mono.title, [s.key for s in mono.sections])
    for hit in lib.search("allergy", limit=3).hits:
        print(hit.id, hit.snippet)

Every method opens the index cache for its corpora, bringing it up to date first, and
raises a `medref.errors.MedrefError` subclass (NotFound, UsageError, ...) on failure.
Results are the models in `medref.models`, whose `to_dict()` is the JSON the CLI prints.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from medref.corpus import Corpus, discover, import_dir
from medref.errors import UsageError
from medref.models import Faq, Monograph, SearchResult, Section
from medref.names import typed

if TYPE_CHECKING:
    from medref.index import Index
    from medref.index.pages import Slot
    from medref.openfda import DownloadPlan, ImportProgress, ImportSummary
    from medref.validate import Finding

T = TypeVar("T")
Progress = Callable[[int, int], None]
Warn = Callable[[str], None]


class Comparison(NamedTuple):
    """Monographs side by side: the section keys compared and each one's sections."""

    keys: list[str]
    monographs: list[Monograph]
    sections: list[tuple[Section, ...]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "sections": self.keys,
            "monographs": [
                m.to_dict(s) for m, s in zip(self.monographs, self.sections, strict=True)
            ],
        }


class Page(NamedTuple):
    """A monograph, with the text printed for it before under a key, if it was kept."""

    monograph: Monograph
    text: str | None
    slot: Slot | None  # where a page of it may be kept (None: the index is in memory)
    key: str


class Library:
    """The monographs of a set of corpora: the given folders, then MEDREF_PATH, the user
    data folder and the bundled monographs, in that precedence."""

    def __init__(
        self,
        corpora: Sequence[str | Path] = (),
        *,
        warn: Warn | None = None,
        progress: Progress | None = None,
        notice: Warn | None = None,
    ) -> None:
        self._warn: Warn = warn or (lambda _message: None)
        self._notice: Warn = notice or (lambda _message: None)  # what medref is waiting for
        self._progress = progress
        self.corpora: list[Corpus]
        self.corpora, warnings = discover([Path(c) for c in corpora])
        for w in warnings:
            self._warn(w)

    def _read(self, action: Callable[[Index], T], *, lookup: bool = False) -> T:
        from medref.index import with_index

        result: T = with_index(
            self.corpora,
            action,
            progress=self._progress,
            warn=self._warn,
            notice=self._notice,
            lookup=lookup,
        )
        return result

    # -- monographs -----------------------------------------------------------------

    def get(self, name: str) -> Monograph:
        """The monograph with this id, title or alias (ignoring case, accents, punctuation)."""
        return self._read(lambda ix: ix.get(typed(name)), lookup=True)

    def page(self, name: str, key: str) -> Page:
        """A monograph with its page as printed before under `key` (see keep_page)."""
        mono, text, slot = self._read(lambda ix: ix.page(typed(name), key), lookup=True)
        return Page(mono, text, slot, key)

    def keep_page(self, page: Page, text: str) -> None:
        """Keep the text printed for a page (a rendering of page.monograph that depends only
        on it and on `key`), for the next `page` call with that key. Best effort: kept only
        if the index is unchanged since `page` and can be written at once."""
        from medref.index.pages import keep

        if page.slot is not None:
            keep(page.slot, page.key, text)

    def get_many(self, names: Sequence[str]) -> list[Monograph]:
        """Each named monograph once, in the order first named."""
        found = self._read(lambda ix: [ix.get(typed(n)) for n in names], lookup=True)
        return list({m.id: m for m in found}.values())

    def all(self) -> list[Monograph]:
        """Every monograph, by id."""
        return self._read(lambda ix: list(ix.all()))

    def list(self) -> list[dict[str, Any]]:
        """Every monograph's id, title, aliases, section keys and source file, by id."""
        return self._read(lambda ix: ix.summaries())

    def list_json(self) -> str:
        """`list()` as one line of JSON, stored ready-made in the index."""
        return self._read(lambda ix: ix.listing_json())

    def faqs(self, name: str, words: str | None = None) -> tuple[Monograph, tuple[Faq, ...]]:
        """A monograph and its FAQs, only those matching `words` (search syntax) if given."""
        from medref.sections import filter_faqs

        mono = self.get(name)
        return mono, filter_faqs(mono.faqs, typed(words) if words else None)

    def unread_faqs(self, mono: Monograph) -> str | None:
        """The text of the monograph's FAQs that could not be read as question/answer pairs."""
        from medref.parse import unread_faq_sections

        text = "\n\n".join(s.text for s in unread_faq_sections(mono.sections))
        return text or None

    def compare(self, names: Sequence[str], sections: Sequence[str] = ()) -> Comparison:
        """Two or more monographs' sections (default: dosage, side effects, precautions)."""
        from medref.sections import compare_keys, sections_for

        if len(names) < 2:
            raise UsageError(
                "compare needs at least two monographs",
                hint="e.g. 'medref compare ibuprofen naproxen'",
            )
        monos = self.get_many(names)
        if len(monos) < 2:
            raise UsageError(
                f"{' and '.join(repr(n) for n in names)} {'both' if len(names) == 2 else 'all'}"
                f" name {monos[0].id}",
                hint="compare needs at least two different monographs",
            )
        keys = compare_keys(monos, list(sections))
        return Comparison(keys, monos, [sections_for(m, keys) for m in monos])

    # -- search ---------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        sections: Sequence[str] = (),
        limit: int = 10,
        all_sections: bool = False,
    ) -> SearchResult:
        """Monographs matching query ("a phrase", -exclude, prefix*), best first."""
        from medref.index.search import search
        from medref.names import slugify
        from medref.query import parse_query
        from medref.sections import canonical_request

        query = typed(query)
        parsed = parse_query(query)
        if parsed.terms and not parsed.positive:
            raise UsageError(
                "a search needs a word to look for, not only exclusions",
                hint="e.g. 'medref search \"allergy -milk\"'",
            )
        if limit < 1:
            raise UsageError(f"the limit must be at least 1, not {limit}")
        keys = [canonical_request(s) or slugify(s) for s in sections]

        def run(ix: Index) -> SearchResult:
            if keys:
                known = set(ix.section_keys())
                unknown = [s for s, k in zip(sections, keys, strict=True) if k not in known]
                if unknown:
                    raise UsageError(
                        f"unknown section {unknown[0]!r}",
                        hint="sections are: " + ", ".join(sorted(known)),
                    )
            return search(ix, query, sections=keys or None, limit=limit, all_sections=all_sections)

        return self._read(run)

    # -- the cache and the corpora --------------------------------------------------

    def info(self, *, rebuild: bool = False) -> dict[str, Any]:
        """Where the index is, what it covers; checks every file (or rebuilds) first."""
        from medref.index import with_index

        info: dict[str, Any] = with_index(
            self.corpora,
            lambda ix: ix.info(),
            rebuild=rebuild,
            full_check=True,
            progress=self._progress,
            warn=self._warn,
            notice=self._notice,
        )
        return info

    def paths(self) -> builtins.list[Corpus]:
        """The monograph folders in use, highest precedence first."""
        return builtins.list(self.corpora)

    def validate(
        self, paths: Sequence[str | Path] = (), *, strict: bool = False
    ) -> builtins.list[Finding]:
        """Problems in the given files and folders, or in every corpus in use."""
        from medref.validate import validate

        return validate([Path(p) for p in paths] or None, self.corpora, strict)

    # -- importing FDA labels -------------------------------------------------------

    def hand_written_names(self, out_dir: Path | None = None) -> set[str]:
        """Name keys of every title and alias of monographs not imported into out_dir."""
        from medref.names import name_key

        skip = (out_dir or import_dir("openfda")).resolve()
        names: set[str] = set()
        for row in self.list():
            if not Path(row["source"]).is_relative_to(skip):
                names.update(name_key(n) for n in [row["title"], *row["aliases"]])
        names.discard("")
        return names

    def import_openfda(
        self,
        sources: Sequence[str | Path],
        *,
        out_dir: Path | None = None,
        per_label: bool = False,
        prune: bool = False,
        complete: bool = False,
        progress: ImportProgress | None = None,
    ) -> ImportSummary:
        """Write monographs from openFDA label files (`.json`, `.json.zip`, "-" for stdin).

        They go to the user data folder's monographs/openfda (a corpus like the others)
        or out_dir, with ids prefixed `fda-`; brand names that hand-written monographs
        already use are not added as aliases.
        """
        from medref.openfda import import_files

        out = out_dir or import_dir("openfda")
        return import_files(
            sources,
            out,
            per_label=per_label,
            prune=prune,
            complete=complete,
            hand_written_names=self.hand_written_names(out),
            progress=progress,
        )

    def plan_openfda_download(self, manifest_url: str | None = None) -> DownloadPlan:
        """The files openFDA's download manifest lists, their sizes and disk estimates."""
        from medref.openfda import plan_download

        return plan_download(manifest_url)

    def download_openfda(
        self,
        plan: DownloadPlan,
        *,
        out_dir: Path | None = None,
        per_label: bool = False,
        progress: ImportProgress | None = None,
    ) -> ImportSummary:
        """Download every file of the plan (resumably), then import them all.

        Nothing is imported until every file is whole; monographs whose labels are gone
        from this complete export are removed.
        """
        from medref.corpus import cache_dir
        from medref.openfda import download_files

        files = download_files(plan, cache_dir() / "openfda-downloads", progress=progress)
        return self.import_openfda(
            files, out_dir=out_dir, per_label=per_label, complete=True, progress=progress
        )
