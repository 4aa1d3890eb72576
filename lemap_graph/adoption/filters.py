"""The table's filters and sort order, read from URL arguments and checked, and the choices each filter offers."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Iterable, Mapping

from .steps import STAGES, STATUSES, Step, steps_from_records  # noqa: F401  (steps_from_records: doctests)

_SORT_KEYS = ("country", "region", "stage", "year", "language", "status")

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
    #: Whose facts count: ``all`` (the report's and partners' datasets) or ``report`` (the report's alone).
    sources: str = "all"

    #: URL argument names a :class:`Filters` reads.
    NAMES = ("region", "stage", "status", "year", "country", "sort", "order", "sources")

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> "Filters":
        """Read URL arguments, checking each; blank values mean 'any'.

        :param args: argument name → value (``request.args``).
        :raises FilterError: for an unknown argument or a value the filter cannot take.

        >>> Filters.from_args({"stage": "Curriculum", "status": "in progress"})
        Filters(region='', stage='curriculum', status='in-progress', year='', country='', sort='', order='asc', sources='all')
        >>> Filters.from_args({"stag": "x"})
        Traceback (most recent call last):
        ...
        lemap_graph.adoption.filters.FilterError: unknown argument 'stag' (filters: region, stage, status, year, country, sort, order, sources)
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

    def scope(self, steps: Iterable[Step]) -> list[Step]:
        """The steps whose source counts (all, or the report's alone): what the map, counts and timeline show.

        >>> steps = steps_from_records([{"adoption": "a", "in_report": "1"}, {"adoption": "b", "in_report": "0", "partner_graphs": "g"}])
        >>> [s.adoption for s in Filters(sources="report").scope(steps)], len(Filters().scope(steps))
        (['a'], 2)
        """
        return [s for s in steps if self.sources != "report" or s.in_report]

    def apply(self, steps: Iterable[Step]) -> list[Step]:
        """The steps that pass every filter, in the chosen order."""
        kept = [s for s in self.scope(steps) if self.accepts(s)]
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
        out = {k: v for k, v in asdict(self).items() if v and k not in ("order", "sources")}
        if self.order != "asc":
            out["order"] = self.order
        if self.sources != "all":
            out["sources"] = self.sources
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
        "sources": ("all", "report"),
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
