"""Synthetic partnership networks in the shape of the curated data, for the network benchmark and tests.

>>> len(synthetic_quads(organisations=10, activities=20)) > 200
True
"""

from __future__ import annotations

import random
from typing import Any, Callable

import pyoxigraph as ox

from lemap_graph.network.data import LMID, SEED


_SYN = LMID
_KINDS = ("training", "workshop", "meeting", "seminar", "project", "dialogue")
_REGIONS = ("eeca", "mena", "rosa", "lac", "seap", "rosaf")
_ORG_KINDS = ("ministry", "police", "civil-society-organisation", "network", "un-country-office", "university")


def synthetic_quads(organisations: int = 100, activities: int = 300, *, seed: int = SEED,
                    countries: int = 30, hubs: int = 3, units: int = 10) -> list[ox.Quad]:
    """A made-up partnership network in the shape of the curated data, for benchmarks and tests.

    A few hub organisations take part in many activities (as UNODC does), the others in a few,
    picked with preferential attachment (and each at least once when there are as many activities
    as organisations); ``units`` organisations are units of the first hub. Each
    activity has 2–5 organisations in random roles, a kind, a year 2013–2021, a status and a
    country. About 10 triples per activity and 5 per organisation.

    :param organisations: how many organisations.
    :param activities: how many activities.
    :param seed: the random seed (same seed, same quads).
    :param countries: how many countries (``country:S000`` …), spread over six regions.
    :param hubs: how many hub organisations.
    :param units: how many organisations are units of the first hub (rolled up by ``rollup``).
    :return: quads in the default graph.

    >>> len(synthetic_quads(organisations=10, activities=20)) > 200
    True
    """
    rng = random.Random(seed)
    quads: list[ox.Quad] = []
    add = _quad_adder(quads)
    for c in range(countries):
        country = f"{_SYN}country/S{c:03d}"
        add(country, _RDF + "type", _LM + "Country")
        add(country, _SKOS + "prefLabel", ox.Literal(f"Country {c}", language="en"))
        add(country, _LM + "unodcRegion", f"{_SYN}region/{_REGIONS[c % len(_REGIONS)]}")
    orgs = [f"{_SYN}organisation/syn-{i:05d}" for i in range(organisations)]
    for i, org in enumerate(orgs):
        unit = 0 < i - hubs + 1 <= units
        add(org, _RDF + "type", _ORG + ("OrganizationalUnit" if unit else "FormalOrganization"))
        add(org, _SKOS + "prefLabel", ox.Literal(f"Organisation {i}", language="en"))
        add(org, _SKOS + "altLabel", ox.Literal(f"ORG{i}", language="en"))
        add(org, _LM + "organisationKind", f"{_SYN}organisation-kind/{_ORG_KINDS[i % len(_ORG_KINDS)]}")
        if unit:
            add(org, _ORG + "unitOf", orgs[0])
    # Preferential attachment: an organisation is drawn from a pool it joins again each time it takes part.
    pool = list(range(organisations)) + [i for i in range(min(hubs, organisations)) for _ in range(50)]
    for j in range(activities):
        _synthetic_activity(add, rng, j, orgs, pool, countries)
    return quads


_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_LM = "https://w3id.org/lemap/ontology#"
_ORG = "http://www.w3.org/ns/org#"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_SCHEMA = "https://schema.org/"
_ROLE_PROPERTIES = (_SCHEMA + "organizer", _LM + "partner", _LM + "partner", _SCHEMA + "funder", _LM + "supporter",
                    _SCHEMA + "attendee", _LM + "host")


def _quad_adder(quads: list[ox.Quad]) -> Callable[[str, str, Any], None]:
    def add(s: str, p: str, o: Any) -> None:
        quads.append(ox.Quad(ox.NamedNode(s), ox.NamedNode(p), ox.NamedNode(o) if isinstance(o, str) else o))
    return add


def _synthetic_activity(add, rng: random.Random, j: int, orgs: list[str], pool: list[int], countries: int) -> None:
    act = f"{_SYN}activity/syn-{j:06d}"
    add(act, _RDF + "type", _LM + "Activity")
    add(act, _SKOS + "prefLabel", ox.Literal(f"Activity {j}", language="en"))
    add(act, _LM + "activityKind", f"{_SYN}activity-kind/{rng.choice(_KINDS)}")
    add(act, _LM + "status", f"{_SYN}status/{'done' if rng.random() < 0.9 or j < len(orgs) else 'planned'}")
    add(act, _SCHEMA + "startDate", ox.Literal(str(rng.randint(2013, 2021)), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear")))
    add(act, _LM + "country", f"{_SYN}country/S{rng.randrange(countries):03d}")
    # The first activities take in every organisation once, so each one is in the network.
    members: set[int] = {j} if j < len(orgs) else set()
    for _ in range(rng.randint(2, 5)):
        members.add(rng.choice(pool))
    for i in sorted(members):
        add(act, rng.choice(_ROLE_PROPERTIES), orgs[i])
        pool.append(i)
