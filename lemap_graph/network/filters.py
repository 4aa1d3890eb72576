"""Which activities and organisations a network shows: years, regions, kinds, roles, statuses, roll-up and ego, parsed from a request."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Mapping, Sequence

from .data import DEFAULT_STATUSES, LMID, NetworkData, PROJECTIONS, ROLES, SOURCES, STATUSES, _DEPTH_MAX, _FACET_PREFIXES, _SLUG, local_name


@dataclass(frozen=True)
class Filters:
    """Which activities count and how the graph is drawn: every field has a URL/CLI argument of its own.

    ``year_from``/``year_to`` (``from``, ``to``) keep activities that started in those years;
    ``regions``, ``kinds`` (IRIs) and ``roles`` keep activities in one of those regions (an activity
    without a country is in ``region/global``), of one of those kinds, and organisations in one of
    those roles; ``statuses`` the activity statuses that count; ``rollup`` draws units as their
    top-level organisation; ``projection`` picks the graph; ``ego`` and ``depth`` show only the
    organisations within ``depth`` steps of ``ego``; ``sources`` is ``all`` (the report's and partners'
    statements) or ``report`` (statements only partners' datasets hold are left out).
    """

    year_from: int | None = None
    year_to: int | None = None
    regions: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    statuses: tuple[str, ...] = DEFAULT_STATUSES
    rollup: bool = False
    projection: str = "organisations"
    ego: str | None = None
    depth: int = 1
    sources: str = "all"

    def without_ego(self) -> "Filters":
        """The same filters for the whole graph (metrics are computed on it, then the ego part is cut)."""
        return replace(self, ego=None, depth=1)

    def args(self) -> list[tuple[str, str]]:
        """The filters as URL/CLI arguments (only those that differ from the defaults).

        >>> Filters(year_from=2015, roles=("funder",), rollup=True).args()
        [('from', '2015'), ('role', 'funder'), ('rollup', '1')]
        """
        out: list[tuple[str, str]] = []
        if self.year_from is not None:
            out.append(("from", str(self.year_from)))
        if self.year_to is not None:
            out.append(("to", str(self.year_to)))
        out += [("region", local_name(r)) for r in self.regions] + [("kind", local_name(k)) for k in self.kinds]
        out += [("role", r) for r in self.roles]
        if self.statuses != DEFAULT_STATUSES:
            out += [("status", s) for s in self.statuses]
        if self.rollup:
            out.append(("rollup", "1"))
        if self.projection != "organisations":
            out.append(("graph", self.projection))
        if self.ego:
            out += [("ego", self.ego), ("depth", str(self.depth))]
        if self.sources != "all":
            out.append(("sources", self.sources))
        return out


#: The argument names :func:`parse_filters` accepts.
FILTER_ARGS: tuple[str, ...] = ("from", "to", "region", "kind", "role", "status", "rollup", "graph", "ego", "depth", "sources")


def parse_filters(values: Mapping[str, Sequence[str]], data: NetworkData | None = None) -> Filters:
    """Filters from URL or CLI arguments: name → list of values (a value may also be comma-separated).

    :param values: e.g. ``{"from": ["2015"], "region": ["eeca"], "role": ["partner", "funder"]}``;
        unknown names are an error, empty values are ignored.
    :param data: when given, region and kind values must be concepts it knows.
    :raises ValueError: naming the argument and the value that is not right, and what would be.

    >>> parse_filters({"from": ["2014"], "to": ["2016"], "region": ["eeca"]}).regions
    ('https://w3id.org/lemap/id/region/eeca',)
    >>> parse_filters({"role": ["boss"]})
    Traceback (most recent call last):
    ...
    ValueError: role: unknown role 'boss' (known: organiser, partner, funder, supporter, host, participant, commissioned-by)
    """
    unknown = sorted(set(values) - set(FILTER_ARGS))
    if unknown:
        raise ValueError(f"unknown filter {unknown[0]!r} (known: {', '.join(FILTER_ARGS)})")
    v = {k: [p.strip() for item in values.get(k, ()) for p in str(item).split(",") if p.strip()] for k in FILTER_ARGS}
    year_from, year_to = _year(v["from"], "from"), _year(v["to"], "to")
    if year_from is not None and year_to is not None and year_from > year_to:
        raise ValueError(f"from: {year_from} is after to: {year_to}")
    statuses = tuple(_choices(v["status"], STATUSES + ("all",), "status", "status")) or DEFAULT_STATUSES
    return Filters(
        year_from=year_from,
        year_to=year_to,
        regions=tuple(_concepts(v["region"], "region", data)),
        kinds=tuple(_concepts(v["kind"], "activity-kind", data)),
        roles=tuple(_choices(v["role"], ROLES, "role", "role")),
        statuses=STATUSES if "all" in statuses else statuses,
        rollup=_flag(v["rollup"]),
        projection=(_choices(v["graph"][-1:], PROJECTIONS, "graph", "graph") or ["organisations"])[0],
        ego=_ego(v["ego"], data),
        depth=_depth(v["depth"]),
        sources=(_choices(v["sources"][-1:], SOURCES, "sources", "source") or ["all"])[0],
    )


def _year(items: list[str], name: str) -> int | None:
    if not items:
        return None
    if not re.fullmatch(r"\d{4}", items[-1]):
        raise ValueError(f"{name}: {items[-1]!r} is not a year (YYYY)")
    return int(items[-1])


def _choices(items: list[str], known: Sequence[str], name: str, what: str) -> list[str]:
    for item in items:
        if item not in known:
            raise ValueError(f"{name}: unknown {what} {item!r} (known: {', '.join(known)})")
    return list(dict.fromkeys(items))


def _concepts(items: list[str], facet: str, data: NetworkData | None) -> list[str]:
    prefix = _FACET_PREFIXES[facet]
    name = "region" if facet == "region" else "kind"
    out = []
    for item in items:
        iri = item if item.startswith(("http://", "https://")) else prefix + item.split(":", 1)[-1]
        if not iri.startswith(("http://", "https://")) or not _SLUG.match(local_name(iri)):
            raise ValueError(f"{name}: {item!r} is not a {facet} (a name such as {'eeca' if name == 'region' else 'training'})")
        known = (data.facets.get(facet) or {}) if data is not None else None
        if known is not None and known and iri not in known:
            slugs = ", ".join(sorted(local_name(k) for k in known))
            raise ValueError(f"{name}: unknown {facet} {item!r} (known: {slugs})")
        out.append(iri)
    return list(dict.fromkeys(out))


def _flag(items: list[str]) -> bool:
    if not items:
        return False
    value = items[-1].lower()
    if value not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
        raise ValueError(f"rollup: {items[-1]!r} is not a switch (1 or 0)")
    return value in ("1", "true", "yes", "on")


def _ego(items: list[str], data: NetworkData | None) -> str | None:
    if not items:
        return None
    iri = items[-1]
    if iri.startswith("orgn:"):
        iri = LMID + "organisation/" + iri[5:]
    if data is not None and iri not in data.organisations:
        raise ValueError(f"ego: no organisation {items[-1]!r} in the graph (give its IRI)")
    return iri


def _depth(items: list[str]) -> int:
    if not items:
        return 1
    if not re.fullmatch(r"\d+", items[-1]) or not 1 <= int(items[-1]) <= _DEPTH_MAX:
        raise ValueError(f"depth: {items[-1]!r} is not a number of steps from 1 to {_DEPTH_MAX}")
    return int(items[-1])
