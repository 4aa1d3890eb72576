"""Adoption steps and countries: the tracer's constants, a step per ``adoption-steps`` row, each country's furthest stage."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any, Iterable, Mapping, Sequence

#: The named queries behind the tracer's views.
STEPS_QUERY = "adoption-steps"
TIMELINE_QUERY = "adoption-timeline"
LINEAGE_QUERY = "adoption-lineage"
ACTIVITIES_QUERY = "adoption-country-activities"
#: The competency-question queries the views point to for the same facts in other shapes.
BY_COUNTRY_QUERY = "manual-adoption-by-country"
MANUAL_LINEAGE_QUERY = "manual-lineage"

#: Adoption stages in order (slug, notation), as ``ontology/schemes/adoption-stages.ttl`` defines them.
STAGES: tuple[tuple[str, int], ...] = (
    ("introduced", 1), ("translated", 2), ("adapted", 3), ("adopted", 4), ("curriculum", 5),
)
#: Statuses (``ontology/schemes/statuses.ttl``), from done to not done.
STATUSES: tuple[str, ...] = ("done", "in-progress", "planned", "intended", "not-carried-out", "needed")
#: How a country stands on the map: did something, has something under way, or only intends / plans / needs it.
STANDINGS: dict[str, str] = {
    "done": "did it: at least one step was done",
    "in-progress": "under way: a step is in progress, none done yet",
    "not-done": "not done: only intended, planned, needed or not carried out",
}
#: The years the timeline spans.
TIMELINE_YEARS = (2013, 2021)
#: Base of the IRIs the app serves under ``/id/…``.
BASE_IRI = "https://w3id.org/lemap/"

_STAGE_NOTATION = dict(STAGES)


def slug(iri: str | None) -> str:
    """The last path segment of an IRI (``…/adoption-stage/curriculum`` → ``curriculum``).

    >>> slug("https://w3id.org/lemap/id/status/in-progress"), slug(None)
    ('in-progress', '')
    """
    return re.sub(r"^.*[/#]", "", iri or "")


def entity_path(iri: str | None, base: str = BASE_IRI) -> str | None:
    """The app's path for an entity IRI under ``base`` (``/id/country/AFG``), or None for other IRIs.

    :param iri: an entity IRI.
    :param base: the base the app serves under ``/`` (``LEMAP_BASE_IRI``).

    >>> entity_path("https://w3id.org/lemap/id/section/mena"), entity_path("http://example.org/x")
    ('/id/section/mena', None)
    """
    if iri and iri.startswith(base) and iri[len(base):].startswith("id/"):
        return "/" + iri[len(base):]
    return None


def section_label(iri: str) -> str:
    """The heading of a report section (``…/section/mena`` → "MENA - Middle East and Northern Africa"), else its slug.

    >>> section_label("https://w3id.org/lemap/id/section/lac")
    'LAC – Latin America and the Caribbean'
    """
    from ..report import SECTIONS

    name = slug(iri)
    return next((s.heading for s in SECTIONS if s.slug == name), name)


def section_links(sections: Iterable[str], base: str = BASE_IRI) -> list[dict[str, str | None]]:
    """Report sections as ``{"iri", "label", "short", "path"}`` dicts for links (path None outside ``base``).

    ``short`` is the section's slug in capitals (MENA, WEST ASIA), for narrow table cells.

    >>> section_links(["https://w3id.org/lemap/id/section/west-asia"])[0]["short"]
    'WEST ASIA'
    """
    return [
        {"iri": s, "label": section_label(s), "short": slug(s).replace("-", " ").upper(), "path": entity_path(s, base)}
        for s in sections
    ]


def language_name(tag: str) -> str:
    """The English name of a BCP 47 language tag (``prs`` → Dari, ``my`` → Burmese), or the tag itself.

    >>> language_name("prs"), language_name("th"), language_name("sw"), language_name("xx-unknown")
    ('Dari', 'Thai', 'Swahili', 'xx-unknown')
    """
    import pycountry

    base = tag.split("-")[0].lower()
    found = None
    if len(base) == 2:
        found = pycountry.languages.get(alpha_2=base)
    elif len(base) == 3:
        found = pycountry.languages.get(alpha_3=base)
    # ISO 639-3 calls some languages "Swahili (macrolanguage)": the bracket says nothing to a reader here
    return re.sub(r" \((macrolanguage|individual language)\)$", "", found.name) if found is not None else tag


def source_of(partner_graphs: Iterable[str], in_report: bool) -> str:
    """Where a fact comes from: ``report``, ``partner`` or ``report+partner``.

    >>> source_of([], True), source_of(["g"], False), source_of(["g"], True)
    ('report', 'partner', 'report+partner')
    """
    if not list(partner_graphs):
        return "report"
    return "report+partner" if in_report else "partner"


def dataset_name(graph: str) -> str:
    """A partner dataset's short name from its graph IRI (``…/graph/partner/npu/trainings`` → ``npu/trainings``).

    >>> dataset_name("https://w3id.org/lemap/graph/partner/npu/trainings"), dataset_name("https://example.org/g")
    ('npu/trainings', 'https://example.org/g')
    """
    return graph.split("/graph/partner/", 1)[1] if "/graph/partner/" in graph else graph


class PartnerMarked:
    """Where a fact of the tracer comes from, for the dataclasses that hold ``partner_graphs`` and ``in_report``."""

    partner_graphs: tuple[str, ...]
    in_report: bool

    @property
    def source(self) -> str:
        """``report``, ``partner`` (only a partner's dataset records it) or ``report+partner``."""
        return source_of(self.partner_graphs, self.in_report)

    @property
    def partner_datasets(self) -> tuple[str, ...]:
        """The partner datasets' short names (``npu/trainings``)."""
        return tuple(dataset_name(g) for g in self.partner_graphs)


def _split(text: str | None, sep: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in (text or "").split(sep) if part.strip())


def _int(text: str | None, default: int = 0) -> int:
    try:
        return int(float(text)) if text not in (None, "") else default
    except ValueError:
        return default


# ------------------------------------------------------------------------------------ steps


@dataclass(frozen=True)
class Step(PartnerMarked):
    """One adoption step (an ``lm:ManualAdoption``): one country, one stage, with its status and evidence."""

    adoption: str
    country: str
    country_label: str
    alpha3: str
    iso_numeric: str
    stage: str
    stage_label: str
    notation: int
    status: str
    status_label: str
    year: str = ""
    languages: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    region_labels: tuple[str, ...] = ()
    resulting_document: str = ""
    resulting_document_label: str = ""
    activity: str = ""
    activity_label: str = ""
    evidence: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    section_labels: tuple[str, ...] = ()
    #: The partner datasets (graph IRIs) holding statements about the step, and whether the report's graphs do too.
    partner_graphs: tuple[str, ...] = ()
    in_report: bool = True

    @property
    def done(self) -> bool:
        """Whether the report says this step was done (not intended, planned, in progress …)."""
        return self.status == "done"

    @property
    def language_names(self) -> tuple[str, ...]:
        """The languages as English names (Dari, Burmese …)."""
        return tuple(language_name(t) for t in self.languages)

    @property
    def region(self) -> str:
        """The most specific region's label (Central Asia rather than Eastern Europe and Central Asia)."""
        return self.region_labels[0] if self.region_labels else ""


def step_from_record(record: Mapping[str, str | None]) -> Step:
    """One ``adoption-steps`` row (variable → lexical value) as a :class:`Step`.

    :param record: the row; missing or None values become empty strings, a missing notation comes from the stage.

    >>> s = step_from_record({"country": "https://w3id.org/lemap/id/country/MMR", "stage": "stage/curriculum",
    ...                       "status": "status/done", "year": "2017", "regions": "r/seap", "region_labels": "SEAP"})
    >>> (s.alpha3, s.stage, s.notation, s.done, s.year, s.region)
    ('MMR', 'curriculum', 5, True, '2017', 'SEAP')
    """
    r = {k: (v or "") for k, v in record.items()}
    regions = _split(r.get("regions"), " ")
    labels = _split(r.get("region_labels"), ";")
    stage = slug(r.get("stage"))
    return Step(
        adoption=r.get("adoption", ""),
        country=r.get("country", ""),
        country_label=r.get("country_label") or slug(r.get("country")),
        alpha3=r.get("alpha3") or slug(r.get("country")),
        iso_numeric=r.get("iso_numeric", ""),
        stage=stage,
        stage_label=r.get("stage_label") or stage,
        notation=_int(r.get("notation"), _STAGE_NOTATION.get(stage, 0)),
        status=slug(r.get("status")) or "not-stated",
        status_label=r.get("status_label") or slug(r.get("status")) or "not stated",
        year=r.get("year", "")[:4],
        languages=_split(r.get("languages") or r.get("language"), ","),
        regions=tuple(slug(x) for x in regions),
        region_labels=_specific_first(regions, labels),
        resulting_document=r.get("resulting_document", ""),
        resulting_document_label=r.get("resulting_document_label", ""),
        activity=r.get("activity", ""),
        activity_label=r.get("activity_label", ""),
        evidence=_split(r.get("evidence"), " | "),
        sections=_split(r.get("sections"), " "),
        section_labels=_split(r.get("section_labels"), ";"),
        partner_graphs=_split(r.get("partner_graphs"), " "),
        in_report=r.get("in_report", "1") not in ("0", "false"),
    )


def _specific_first(regions: tuple[str, ...], labels: tuple[str, ...]) -> tuple[str, ...]:
    # Central Asia is narrower than EECA; a country listed under both reads best as "Central Asia".
    if "central-asia" in {slug(r) for r in regions}:
        return tuple(sorted(labels, key=lambda label: label != "Central Asia"))
    return labels


def steps_from_records(records: Iterable[Mapping[str, str | None]]) -> list[Step]:
    """``adoption-steps`` rows as steps, in the query's order.

    :param records: rows as dicts of variable → lexical value (``QueryResult.records()``).
    """
    return [step_from_record(r) for r in records]


# ------------------------------------------------------------------------------------ countries


@dataclass(frozen=True)
class CountrySummary:
    """A country's adoption steps and how far it went: its furthest done step and its standing."""

    country: str
    label: str
    alpha3: str
    iso_numeric: str
    region: str
    steps: tuple[Step, ...]

    @property
    def furthest(self) -> Step | None:
        """The done step with the greatest stage notation (one with a year first), or None."""
        return _furthest([s for s in self.steps if s.done])

    @property
    def furthest_any(self) -> Step:
        """The step with the greatest stage notation whatever its status."""
        return _furthest(list(self.steps))

    @property
    def standing(self) -> str:
        """``done`` (a step was done), ``in-progress`` (one is under way) or ``not-done`` (only intended …)."""
        if any(s.done for s in self.steps):
            return "done"
        return "in-progress" if any(s.status == "in-progress" for s in self.steps) else "not-done"

    @property
    def shown_stage(self) -> Step:
        """The step the map colours the country by: the furthest done one, else the furthest of any status."""
        return self.furthest or self.furthest_any

    def to_json(self) -> dict[str, Any]:
        """The summary for the map and the JSON export."""
        shown = self.shown_stage
        return {
            "country": self.country,
            "label": self.label,
            "alpha3": self.alpha3,
            "iso_numeric": self.iso_numeric,
            "region": self.region,
            "standing": self.standing,
            "standing_text": STANDINGS[self.standing],
            "stage": shown.stage,
            "stage_label": shown.stage_label,
            "notation": shown.notation,
            "furthest_done_stage": self.furthest.stage if self.furthest else None,
            "source": shown.source,
            "partner_datasets": list(shown.partner_datasets),
            "steps": [step_json(s) for s in self.steps],
        }


def _furthest(steps: Sequence[Step]) -> Step | None:
    if not steps:
        return None
    return sorted(steps, key=lambda s: (-s.notation, s.year == "", s.year, s.adoption))[0]


def summarise(steps: Iterable[Step]) -> list[CountrySummary]:
    """Group steps by country, ordered by country name; each country's steps by stage.

    :param steps: adoption steps of any countries.
    :return: one :class:`CountrySummary` per country.

    >>> rows = [{"country": "c/KAZ", "country_label": "Kazakhstan", "stage": "s/curriculum", "status": "st/in-progress"},
    ...         {"country": "c/KAZ", "country_label": "Kazakhstan", "stage": "s/introduced", "status": "st/done"}]
    >>> kaz = summarise(steps_from_records(rows))[0]
    >>> kaz.standing, kaz.furthest.stage, kaz.furthest_any.stage, [s.stage for s in kaz.steps]
    ('done', 'introduced', 'curriculum', ['introduced', 'curriculum'])
    """
    by_country: dict[str, list[Step]] = {}
    for s in steps:
        by_country.setdefault(s.country, []).append(s)
    out = []
    for country, group in by_country.items():
        group.sort(key=lambda s: (s.notation, s.year or "9999", s.adoption))
        first = group[0]
        out.append(CountrySummary(country, first.country_label, first.alpha3, first.iso_numeric, first.region, tuple(group)))
    return sorted(out, key=lambda c: (c.label.casefold(), c.country))


def count_by_stage(steps: Iterable[Step], *, done_only: bool = False) -> dict[str, int]:
    """Steps per stage slug, in stage order (stages with no step count 0).

    >>> count_by_stage([])["curriculum"]
    0
    """
    counts = {name: 0 for name, _ in STAGES}
    for s in steps:
        if not done_only or s.done:
            counts[s.stage] = counts.get(s.stage, 0) + 1
    return counts


def step_json(step: Step) -> dict[str, Any]:
    """One step with every field (lists kept as lists), for the JSON download and the page's scripts."""
    out = asdict(step)
    out["language_names"] = list(step.language_names)
    out["region"] = step.region
    out["done"] = step.done
    out["source"] = step.source
    out["partner_datasets"] = list(step.partner_datasets)
    return out
