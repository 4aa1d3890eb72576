"""The Training Manual adoption tracer: query rows → steps, per-country summaries, filters, timeline, lineage, exports.

The rows come from the named queries ``adoption-steps``, ``adoption-timeline``, ``adoption-lineage`` and
``adoption-country-activities`` (run by the caller: the web app through its engine, a script through
:func:`lemap_graph.store.run_query`). Nothing here opens a store or knows about HTTP.

A country's *furthest stage* is the adoption stage with the greatest notation (introduced 1 < translated 2 <
adapted 3 < adopted 4 < curriculum 5) among its steps that were **done**. A country with no done step has
no furthest stage; its *standing* says whether something is under way (``in-progress``) or only intended,
planned, needed or not carried out (``not-done``), so an intention is never shown as a thing done.

>>> rows = [
...     {"adoption": "a1", "country": "c/AFG", "country_label": "Afghanistan", "alpha3": "AFG", "iso_numeric": "004",
...      "stage": "s/translated", "stage_label": "translated", "notation": "2", "status": "st/done", "year": "2020",
...      "languages": "prs"},
...     {"adoption": "a2", "country": "c/ARG", "country_label": "Argentina", "alpha3": "ARG", "iso_numeric": "032",
...      "stage": "s/adapted", "stage_label": "adapted", "notation": "3", "status": "st/intended"},
... ]
>>> steps = steps_from_records(rows)
>>> [(c.alpha3, c.standing, c.furthest and c.furthest.stage) for c in summarise(steps)]
[('AFG', 'done', 'translated'), ('ARG', 'not-done', None)]
>>> steps[0].language_names
('Dari',)
>>> [s.alpha3 for s in Filters.from_args({"status": "intended"}).apply(steps)]
['ARG']
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import asdict, dataclass, field
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
_SORT_KEYS = ("country", "region", "stage", "year", "language", "status")


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
    from .report import SECTIONS

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


def _split(text: str | None, sep: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in (text or "").split(sep) if part.strip())


def _int(text: str | None, default: int = 0) -> int:
    try:
        return int(float(text)) if text not in (None, "") else default
    except ValueError:
        return default


# ------------------------------------------------------------------------------------ steps


@dataclass(frozen=True)
class Step:
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


# ------------------------------------------------------------------------------------ filters


class FilterError(ValueError):
    """A filter argument that cannot be used: the message names it and says what it accepts."""


@dataclass(frozen=True)
class Filters:
    """The table's filters and sort order; empty strings mean 'any'."""

    region: str = ""
    stage: str = ""
    status: str = ""
    year: str = ""
    country: str = ""
    sort: str = ""
    order: str = "asc"

    #: URL argument names a :class:`Filters` reads.
    NAMES = ("region", "stage", "status", "year", "country", "sort", "order")

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> "Filters":
        """Read URL arguments, checking each; blank values mean 'any'.

        :param args: argument name → value (``request.args``).
        :raises FilterError: for an unknown argument or a value the filter cannot take.

        >>> Filters.from_args({"stage": "Curriculum", "status": "in progress"})
        Filters(region='', stage='curriculum', status='in-progress', year='', country='', sort='', order='asc')
        >>> Filters.from_args({"stag": "x"})
        Traceback (most recent call last):
        ...
        lemap_graph.adoption.FilterError: unknown argument 'stag' (filters: region, stage, status, year, country, sort, order)
        """
        values = {}
        for name, raw in args.items():
            if name not in cls.NAMES:
                raise FilterError(f"unknown argument {name!r} (filters: {', '.join(cls.NAMES)})")
            value = re.sub(r"[\s_]+", "-", (raw or "").strip().lower())
            if name in ("country",):
                value = value.upper()
            if value:
                values[name] = _check(name, value)
        return cls(**values)

    def apply(self, steps: Iterable[Step]) -> list[Step]:
        """The steps that pass every filter, in the chosen order."""
        kept = [s for s in steps if self.accepts(s)]
        return sort_steps(kept, self.sort or "country", descending=self.order == "desc")

    def accepts(self, step: Step) -> bool:
        """Whether one step passes every filter."""
        return (
            (not self.region or self.region in step.regions)
            and (not self.stage or step.stage == self.stage)
            and (not self.status or step.status == self.status)
            and (not self.year or step.year == self.year)
            and (not self.country or self.country in (step.alpha3, step.iso_numeric))
        )

    def to_args(self) -> dict[str, str]:
        """The non-default arguments, to carry the filters into download and page links."""
        out = {k: v for k, v in asdict(self).items() if v and k != "order"}
        if self.order != "asc":
            out["order"] = self.order
        return out

    @property
    def active(self) -> bool:
        """Whether any filter (not just a sort order) is set."""
        return any((self.region, self.stage, self.status, self.year, self.country))


def _check(name: str, value: str) -> str:
    allowed = {
        "stage": tuple(s for s, _ in STAGES),
        "status": STATUSES,
        "sort": _SORT_KEYS,
        "order": ("asc", "desc"),
    }.get(name)
    if allowed is not None and value not in allowed:
        raise FilterError(f"{name} {value!r} is not one of: {', '.join(allowed)}")
    if name == "year" and not re.fullmatch(r"\d{4}", value):
        raise FilterError(f"year {value!r} is not a year (YYYY)")
    if name == "region" and not re.fullmatch(r"[a-z0-9-]+", value):
        raise FilterError(f"region {value!r} is not a region slug such as mena or central-asia")
    if name == "country" and not re.fullmatch(r"[A-Z]{3}|\d{3}", value):
        raise FilterError(f"country {value!r} is not an ISO 3166-1 alpha-3 or numeric code")
    return value


def sort_steps(steps: Iterable[Step], key: str = "country", *, descending: bool = False) -> list[Step]:
    """Steps sorted by one column (country, region, stage, year, language, status); ties by country and stage.

    Missing years and languages sort last either way.

    :param steps: the steps to sort.
    :param key: the column.
    :param descending: largest first.
    :raises FilterError: for an unknown column.

    >>> rows = [{"country": f"c/{c}", "country_label": c, "stage": "s/adopted", "year": y} for c, y in
    ...         (("A", "2015"), ("B", ""), ("C", "2019"))]
    >>> [s.country_label for s in sort_steps(steps_from_records(rows), "year", descending=True)]
    ['C', 'A', 'B']
    """
    if key not in _SORT_KEYS:
        raise FilterError(f"sort {key!r} is not one of: {', '.join(_SORT_KEYS)}")
    tie = lambda s: (s.country_label.casefold(), s.notation, s.adoption)  # noqa: E731
    primary = {
        "country": lambda s: s.country_label.casefold(),
        "region": lambda s: s.region.casefold(),
        "stage": lambda s: s.notation,
        "year": lambda s: s.year,
        "language": lambda s: ", ".join(s.language_names).casefold(),
        "status": lambda s: STATUSES.index(s.status) if s.status in STATUSES else len(STATUSES),
    }[key]
    present = [s for s in steps if primary(s) != ""]
    missing = [s for s in steps if primary(s) == ""]
    present.sort(key=tie)
    present.sort(key=primary, reverse=descending)
    return present + sorted(missing, key=tie)


def filter_options(steps: Iterable[Step]) -> dict[str, list[tuple[str, str]]]:
    """The values each filter can take on these steps: name → [(value, label)], for the page's selects.

    :param steps: the steps the page shows before filtering.

    >>> rows = [{"country": "c/KAZ", "stage": "s/adopted", "status": "st/done", "year": "2015",
    ...          "regions": "r/central-asia r/eeca", "region_labels": "Central Asia; Eastern Europe and Central Asia"}]
    >>> options = filter_options(steps_from_records(rows))
    >>> options["region"], options["year"]
    ([('central-asia', 'Central Asia (also all of Eastern Europe and Central Asia)')], [('2015', '2015')])
    """
    steps = list(steps)
    regions = _distinct_regions(steps)
    stages = {s.stage: s.stage_label for s in sorted(steps, key=lambda s: s.notation)}
    statuses = {s.status: s.status_label for s in steps}
    return {
        "region": sorted(regions.items(), key=lambda kv: kv[1].casefold()),
        "stage": [(k, stages[k]) for k, _ in STAGES if k in stages],
        "status": [(k, statuses[k]) for k in STATUSES if k in statuses],
        "year": [(y, y) for y in sorted({s.year for s in steps if s.year})],
    }


def _distinct_regions(steps: list[Step]) -> dict[str, str]:
    """Region slug → label, one option per distinct set of steps: a region that selects exactly the
    steps a narrower one does (every EECA step is a Central Asian one) is folded into the narrower."""
    labels = {r: label for s in steps for r, label in zip(s.regions, _labels_in_slug_order(s))}
    groups: dict[frozenset[int], list[str]] = {}
    for r in labels:
        groups.setdefault(frozenset(i for i, s in enumerate(steps) if r in s.regions), []).append(r)
    out = {}
    for members, slugs in groups.items():
        order = steps[min(members)].region_labels  # most specific first
        slugs.sort(key=lambda r: order.index(labels[r]) if labels[r] in order else len(order))
        wider = [labels[r] for r in slugs[1:]]
        out[slugs[0]] = labels[slugs[0]] + (f" (also all of {' and '.join(wider)})" if wider else "")
    return out


def _labels_in_slug_order(step: Step) -> tuple[str, ...]:
    """Each region slug's label (region_labels were re-ordered, most specific first).

    >>> s = steps_from_records([{"country": "c/KAZ", "regions": "r/eeca r/central-asia",
    ...                          "region_labels": "Eastern Europe and Central Asia; Central Asia"}])[0]
    >>> _labels_in_slug_order(s)
    ('Eastern Europe and Central Asia', 'Central Asia')
    """
    by_slug = {"central-asia": "Central Asia"}
    labels = list(step.region_labels)
    # the slugs known by name take their labels first, so the others cannot take theirs
    named = {r: by_slug[r] for r in step.regions if r in by_slug and by_slug[r] in labels}
    for label in named.values():
        labels.remove(label)
    return tuple(named[r] if r in named else (labels.pop(0) if labels else r) for r in step.regions)


# ------------------------------------------------------------------------------------ exports

#: Columns of the CSV, JSON and XLSX downloads: (key, header).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("country", "country"),
    ("alpha3", "iso3"),
    ("iso_numeric", "iso_numeric"),
    ("region", "region"),
    ("stage", "stage"),
    ("notation", "stage_notation"),
    ("status", "status"),
    ("year", "year"),
    ("language", "language"),
    ("language_tags", "language_tags"),
    ("resulting_document", "resulting_document"),
    ("activity", "activity"),
    ("evidence", "evidence"),
    ("section", "section"),
    ("adoption_iri", "adoption_iri"),
    ("country_iri", "country_iri"),
    ("section_iri", "section_iri"),
)


def export_row(step: Step) -> dict[str, Any]:
    """One step as a flat row of the downloads (see :data:`COLUMNS`); lists are joined with ``; `` or `` | ``.

    >>> row = export_row(step_from_record({"country_label": "Afghanistan", "stage": "s/translated",
    ...                                     "languages": "prs", "evidence": "One. | Two."}))
    >>> row["language"], row["evidence"], row["notation"]
    ('Dari', 'One. | Two.', 2)
    """
    return {
        "country": step.country_label,
        "alpha3": step.alpha3,
        "iso_numeric": step.iso_numeric,
        "region": step.region,
        "stage": step.stage_label,
        "notation": step.notation,
        "status": step.status_label,
        "year": step.year,
        "language": "; ".join(step.language_names),
        "language_tags": "; ".join(step.languages),
        "resulting_document": step.resulting_document_label,
        "activity": step.activity_label,
        "evidence": " | ".join(step.evidence),
        "section": "; ".join(section_label(s) for s in step.sections),
        "adoption_iri": step.adoption,
        "country_iri": step.country,
        "section_iri": " ".join(step.sections),
    }


def step_json(step: Step) -> dict[str, Any]:
    """One step with every field (lists kept as lists), for the JSON download and the page's scripts."""
    out = asdict(step)
    out["language_names"] = list(step.language_names)
    out["region"] = step.region
    out["done"] = step.done
    return out


_FORMULA = re.compile(r"^(?:[=+@\t\r]|-(?![0-9]))")


def spreadsheet_safe(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, prefixed with ``'`` so it stays text.

    Partner data reaches this export, and staff open it in spreadsheets.

    >>> spreadsheet_safe("=HYPERLINK(1)"), spreadsheet_safe("-12"), spreadsheet_safe("Dari")
    ("'=HYPERLINK(1)", '-12', 'Dari')
    """
    if isinstance(value, str) and _FORMULA.match(value):
        return "'" + value
    return value


def write_csv(steps: Iterable[Step]) -> bytes:
    """The steps as CSV (UTF-8, a header row of :data:`COLUMNS`, CRLF line ends, formulas defused).

    >>> write_csv([]).decode().splitlines()[0].split(",")[:4]
    ['country', 'iso3', 'iso_numeric', 'region']
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([header for _, header in COLUMNS])
    for step in steps:
        row = export_row(step)
        writer.writerow([spreadsheet_safe(row[key]) for key, _ in COLUMNS])
    return buf.getvalue().encode("utf-8")


def write_json(steps: Sequence[Step], *, filters: Filters | None = None, query: str = STEPS_QUERY,
               query_url: str | None = None) -> bytes:
    """The steps as a JSON document: the query and filters that made them, the count, rows and per-country summaries.

    :param steps: the (filtered) steps, in table order.
    :param filters: the filters that chose them.
    :param query: the named query the rows come from.
    :param query_url: where that query can be read and run.

    >>> json.loads(write_json([]))["count"]
    0
    """
    doc = {
        "query": query,
        "query_url": query_url,
        "filters": (filters or Filters()).to_args(),
        "count": len(steps),
        "columns": [header for _, header in COLUMNS],
        "rows": [{header: export_row(s)[key] for key, header in COLUMNS} for s in steps],
        "countries": [c.to_json() for c in summarise(steps)],
    }
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")


def write_xlsx(steps: Iterable[Step], *, title: str = "Training Manual adoption", note: str = "") -> bytes:
    """The steps as an Excel workbook (one sheet, a bold frozen header row; ``note`` in a second sheet).

    :param steps: the (filtered) steps, in table order.
    :param title: the sheet's title (Excel cuts it to 31 characters).
    :param note: where the rows come from (query, filters), written to a sheet named "About".

    >>> import openpyxl
    >>> book = openpyxl.load_workbook(io.BytesIO(write_xlsx([])))
    >>> [c.value for c in book.active[1]][:2]
    ['country', 'iso3']
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append([header for _, header in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for step in steps:
        row = export_row(step)
        sheet.append([row[key] for key, _ in COLUMNS])
        for cell in sheet[sheet.max_row]:
            # text from the data that starts with "=" stays text: a spreadsheet must never run it as a formula
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
    sheet.freeze_panes = "A2"
    widths = {"country": 16, "evidence": 80, "section": 30, "resulting_document": 30, "activity": 30}
    for i, (key, _) in enumerate(COLUMNS, 1):
        sheet.column_dimensions[sheet.cell(1, i).column_letter].width = widths.get(key, 14)
        if key == "evidence":
            for cell in sheet[sheet.cell(1, i).column_letter][1:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    if note:
        about = book.create_sheet("About")
        for line in note.splitlines():
            about.append([line])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


# ------------------------------------------------------------------------------------ timeline


@dataclass(frozen=True)
class Event:
    """A dated thing on the timeline: an adoption step or an activity that used the Manual (or a version of it)."""

    iri: str
    kind: str  # "adoption step" or "activity"
    label: str
    countries: tuple[str, ...]  # alpha-3 codes; empty for a global or regional activity
    country_labels: tuple[str, ...]
    start: int | None
    end: int | None
    stage: str = ""
    stage_label: str = ""
    notation: int = 0
    status: str = ""
    status_label: str = ""
    documents: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()

    @property
    def placed(self) -> bool:
        """Whether it has a year inside the timeline's span."""
        lo, hi = TIMELINE_YEARS
        return self.start is not None and (self.end or self.start) >= lo and self.start <= hi


def events_from_records(records: Iterable[Mapping[str, str | None]]) -> list[Event]:
    """``adoption-timeline`` rows as events, ordered by start year (undated last), then label.

    >>> e = events_from_records([{"event": "x", "event_type": "activity", "label": "T", "start_year": "2015"}])[0]
    >>> e.start, e.end, e.placed
    (2015, 2015, True)
    """
    out = []
    for record in records:
        r = {k: (v or "") for k, v in record.items()}
        start = _int(r.get("start_year"), 0) or None
        end = _int(r.get("end_year"), 0) or start
        stage = slug(r.get("stage"))
        pairs = [_name_and_code(text) for text in _split(r.get("country_names"), ";")]
        labels = tuple(name for name, _ in pairs)
        label = r.get("label") or _step_label(labels, r.get("stage_label") or stage, r.get("status_label", ""))
        out.append(Event(
            iri=r.get("event", ""), kind=r.get("event_type") or "activity", label=label,
            countries=tuple(code for _, code in pairs), country_labels=labels, start=start, end=end,
            stage=stage, stage_label=r.get("stage_label") or stage, notation=_int(r.get("notation")),
            status=slug(r.get("status")), status_label=r.get("status_label") or slug(r.get("status")),
            documents=_split(r.get("document_labels"), ";"), evidence=_split(r.get("evidence"), " | "),
            sections=_split(r.get("sections"), " "),
        ))
    return sorted(out, key=lambda e: (e.start is None, e.start or 0, e.label.casefold()))


def _name_and_code(text: str) -> tuple[str, str]:
    """``"Kazakhstan (KAZ)"`` → ``("Kazakhstan", "KAZ")``."""
    match = re.fullmatch(r"(.*) \(([^()]*)\)", text)
    return (match.group(1), match.group(2)) if match else (text, text)


def _step_label(countries: tuple[str, ...], stage: str, status: str) -> str:
    where = ", ".join(countries) or "Somewhere"
    return f"{where}: Manual {stage}" + (f" ({status})" if status and status != "done" else "")


def event_json(event: Event) -> dict[str, Any]:
    """One event for the page's timeline script."""
    out = asdict(event)
    out["placed"] = event.placed
    return out


# ------------------------------------------------------------------------------------ lineage


@dataclass
class LineageNode:
    """A node of a country's lineage tree: the Manual, an adoption step, a document or an activity."""

    iri: str
    type: str  # "root", "adoption step", "document" or "activity"
    label: str
    relation: str = ""
    kind: str = ""
    notation: int = 0
    year: str = ""
    status: str = ""
    status_label: str = ""
    languages: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    children: list["LineageNode"] = field(default_factory=list)

    @property
    def language_names(self) -> tuple[str, ...]:
        """The languages as English names."""
        return tuple(language_name(t) for t in self.languages)

    @property
    def stage(self) -> str:
        """For an adoption step, its stage's slug (from its notation); else empty."""
        if self.type != "adoption step":
            return ""
        return next((name for name, n in STAGES if n == self.notation), "")

    def walk(self) -> Iterable["LineageNode"]:
        """This node and every node below it, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()


#: The order children are shown in under one parent.
_CHILD_ORDER = {"adoption step": 0, "document": 1, "activity": 2}


def build_lineage(records: Iterable[Mapping[str, str | None]], *, root_iri: str, root_label: str,
                  country_label: str = "") -> LineageNode:
    """Build the tree from ``adoption-lineage`` edge rows; a node reachable along several edges appears once.

    Steps come first (by stage), so a translation that an adoption step resulted in sits under that
    step rather than directly under the Manual.

    :param records: the query's rows (parent, relation, child, child_type, child_label, kind, …).
    :param root_iri: the Manual's IRI (the tree's root).
    :param root_label: the Manual's name.
    :param country_label: the country's name, for the labels of adoption steps.

    >>> rows = [{"parent": "M", "relation": "adoption step", "child": "s", "child_type": "adoption step",
    ...          "kind": "translated", "notation": "2", "status_label": "done"},
    ...         {"parent": "s", "relation": "resulting document", "child": "d", "child_type": "document", "child_label": "D"},
    ...         {"parent": "M", "relation": "translation of", "child": "d", "child_type": "document", "child_label": "D"}]
    >>> tree = build_lineage(rows, root_iri="M", root_label="Manual", country_label="Afghanistan")
    >>> [(n.label, [c.label for c in n.children]) for n in tree.walk()]
    [('Manual', ['Afghanistan: translated (done)']), ('Afghanistan: translated (done)', ['D']), ('D', [])]
    """
    edges: dict[str, list[LineageNode]] = {}
    for record in records:
        r = {k: (v or "") for k, v in record.items()}
        edges.setdefault(r.get("parent", ""), []).append(_lineage_node(r, country_label))
    for children in edges.values():
        children.sort(key=lambda n: (_CHILD_ORDER.get(n.type, 9), n.notation, n.year or "9999", n.label.casefold()))
    root = LineageNode(iri=root_iri, type="root", label=root_label)
    deeper = {c.iri for parent, children in edges.items() if parent != root_iri for c in children}
    placed = {root_iri}
    _attach(root, edges, placed, skip=deeper)
    # anything not reached (a parent outside the tree) still shows, under the Manual
    for children in edges.values():
        for child in children:
            if child.iri not in placed:
                placed.add(child.iri)
                root.children.append(child)
                _attach(child, edges, placed)
    return root


def _attach(node: LineageNode, edges: dict[str, list[LineageNode]], placed: set[str], skip: set[str] = frozenset()) -> None:
    # Depth first, in child order; under the root, a node that also hangs below something deeper waits for that.
    for child in edges.get(node.iri, ()):
        if child.iri in placed or child.iri in skip:
            continue
        placed.add(child.iri)
        node.children.append(child)
        _attach(child, edges, placed)


def _lineage_node(r: Mapping[str, str], country_label: str) -> LineageNode:
    kind = r.get("kind", "")
    ctype = r.get("child_type") or "document"
    label = r.get("child_label", "")
    if not label and ctype == "adoption step":
        status = r.get("status_label") or slug(r.get("status"))
        label = f"{country_label or 'Country'}: {kind or 'adoption step'}" + (f" ({status})" if status else "")
    return LineageNode(
        iri=r.get("child", ""), type=ctype, label=label or slug(r.get("child")), relation=r.get("relation", ""),
        kind=kind, notation=_int(r.get("notation")), year=r.get("year", "")[:4], status=slug(r.get("status")),
        status_label=r.get("status_label") or slug(r.get("status")), languages=_split(r.get("languages"), ","),
        evidence=_split(r.get("evidence"), " | "), sections=_split(r.get("sections"), " "),
    )


@dataclass(frozen=True)
class CountryActivity:
    """An activity held in (or covering) a country, with its evidence."""

    iri: str
    label: str
    kinds: str
    start: str
    end: str
    status: str
    status_label: str
    organisers: str
    documents: str
    evidence: tuple[str, ...]
    sections: tuple[str, ...]

    @property
    def years(self) -> str:
        """``2014``, ``2014–2015`` or empty."""
        if self.start and self.end and self.end != self.start:
            return f"{self.start}–{self.end}"
        return self.start or self.end


def other_activities(records: Iterable[Mapping[str, str | None]], lineage: LineageNode) -> list[CountryActivity]:
    """``adoption-country-activities`` rows minus the activities already in ``lineage``, by year then label.

    >>> tree = LineageNode("M", "root", "Manual", children=[LineageNode("a1", "activity", "A1")])
    >>> [a.iri for a in other_activities([{"activity": "a1"}, {"activity": "a2", "label": "A2"}], tree)]
    ['a2']
    """
    shown = {n.iri for n in lineage.walk()}
    out = []
    for record in records:
        r = {k: (v or "") for k, v in record.items()}
        if r.get("activity", "") in shown:
            continue
        out.append(CountryActivity(
            iri=r.get("activity", ""), label=r.get("label") or slug(r.get("activity")), kinds=r.get("kinds", ""),
            start=r.get("start_year", ""), end=r.get("end_year", ""), status=slug(r.get("status")),
            status_label=r.get("status_label") or slug(r.get("status")), organisers=r.get("organisers", ""),
            documents=r.get("documents", ""), evidence=_split(r.get("evidence"), " | "),
            sections=_split(r.get("sections"), " "),
        ))
    return sorted(out, key=lambda a: (a.start == "", a.start, a.label.casefold()))
