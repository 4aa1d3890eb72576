"""Synthetic data shaped like the curated graph (docs/modelling.md), made deterministically from a seed.

Organisations with kinds, names, acronyms and countries; activities with a kind, status, years, a
country, two to five organisations in their roles (organiser, partner, funder, supporter, host,
attendee), participant counts, key populations, topics and used documents; documents; Training
Manual adoption steps; and an ``lm:Excerpt`` quoting a made-up sentence for every activity,
organisation, document and adoption step. Data go into one named graph per region, as the curated
files do (``…/graph/synthetic/<region>``), plus ``…/graph/synthetic/organisations``.

>>> quads = synthetic_quads(2_000, seed=1)
>>> 1_600 < len(quads) < 2_400 and quads == synthetic_quads(2_000, seed=1)
True
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable, Mapping

import pyoxigraph as ox

from lemap_graph.namespaces import PREFIXES as P
from lemap_graph.store import GRAPH_BASE, REPORT_IRI

SEED = 2013

#: Triples an activity brings on average (with its excerpts): sizes activities from a target count.
TRIPLES_PER_ACTIVITY = 26

#: A few countries of the report (alpha-3 → name, UNODC region) for when none are given.
DEFAULT_COUNTRIES: dict[str, tuple[str, str]] = {
    "AFG": ("Afghanistan", "mena"), "KEN": ("Kenya", "eastern-africa"), "UKR": ("Ukraine", "eeca"),
    "KAZ": ("Kazakhstan", "central-asia"), "NPL": ("Nepal", "rosa"), "VNM": ("Viet Nam", "seap"),
    "BRA": ("Brazil", "lac"), "NGA": ("Nigeria", "rosen"), "ZAF": ("South Africa", "rosaf"),
    "MAR": ("Morocco", "mena"),
}

ACTIVITY_KINDS = ("training", "training-of-trainers", "workshop", "sensitization-workshop", "seminar", "webinar",
                  "meeting", "consultative-meeting", "dialogue", "focus-group-discussion", "project", "programme",
                  "pilot-referral-scheme", "advocacy", "capacity-building", "review", "working-group")
#: Weights of :data:`ACTIVITY_KINDS`: trainings and workshops dominate the report.
KIND_WEIGHTS = (30, 6, 14, 6, 5, 3, 8, 3, 3, 2, 3, 2, 1, 2, 4, 2, 1)
STATUSES = ("done",) * 17 + ("in-progress", "planned", "intended", "not-carried-out", "needed")
ORGANISATION_KINDS = ("ministry", "police", "law-enforcement-agency", "prison-service", "police-academy",
                      "government-agency", "civil-society-organisation", "network", "university", "donor",
                      "international-organisation", "un-country-office")
KEY_POPULATIONS = ("pwid", "pwud", "people-in-prisons", "sex-workers", "msm", "plhiv", "women-who-use-drugs")
TOPICS = ("harm-reduction", "hiv-prevention", "stigma-and-discrimination", "le-cso-partnership", "human-rights",
          "referral-and-diversion", "drug-policy", "occupational-health-and-safety", "prison-health",
          "gender-responsive-policing", "alternatives-to-incarceration", "multisectoral-cooperation")
DOCUMENT_KINDS = ("manual", "guide", "curriculum", "training-materials", "policy-brief", "guideline", "action-plan")
QUALIFIERS = ("exact", "exact", "exact", "about", "more-than", "up-to")
STAGES = ("introduced", "translated", "adapted", "adopted", "curriculum")
ROLES = (P["schema"] + "organizer", P["lm"] + "partner", P["schema"] + "funder", P["lm"] + "supporter",
         P["lm"] + "host", P["schema"] + "attendee")
#: How often each of :data:`ROLES` is drawn for an organisation after the activity's organiser.
ROLE_WEIGHTS = (1, 5, 2, 2, 1, 3)
AUDIENCES = ("police officers", "law enforcement officials", "prison staff", "civil society organisations",
             "health workers", "peer outreach workers", "prosecutors and judges", "drug control officers")
MINISTRIES = ("Interior", "Internal Affairs", "Health", "Justice", "Public Security")

_T = P["rdf"] + "type"
_LABEL, _ALT = P["skos"] + "prefLabel", P["skos"] + "altLabel"
_DERIVED = P["prov"] + "wasDerivedFrom"
_GYEAR = ox.NamedNode(P["xsd"] + "gYear")
_INTEGER = ox.NamedNode(P["xsd"] + "integer")
_MANUAL = P["doc"] + "training-manual"


@dataclass(frozen=True)
class Shape:
    """How many of each kind of entity a synthetic dataset has."""

    activities: int
    organisations: int
    documents: int
    hubs: int


def shape_for(triples: int) -> Shape:
    """Entity counts that give about ``triples`` triples: one organisation per five activities, as in the report.

    :param triples: the wanted size.

    >>> shape_for(100_000)
    Shape(activities=3846, organisations=769, documents=76, hubs=5)
    """
    activities = max(10, triples // TRIPLES_PER_ACTIVITY)
    return Shape(activities, max(10, activities // 5), max(5, activities // 50), 5)


class _Writer:
    """Collects quads; ``add`` takes IRIs as strings and literals as pyoxigraph terms.

    With a ``sink``, every ``chunk`` quads are handed to it and forgotten, so 10M triples never
    become 10M Python objects at once.
    """

    def __init__(self, sink: Callable[[list[ox.Quad]], None] | None = None, chunk: int = 100_000) -> None:
        self.quads: list[ox.Quad] = []
        self.excerpts = 0
        self.sink, self.chunk = sink, chunk

    def add(self, s: str, p: str, o: str | ox.Literal, graph: str) -> None:
        """Add one quad."""
        obj = ox.NamedNode(o) if isinstance(o, str) else o
        self.quads.append(ox.Quad(ox.NamedNode(s), ox.NamedNode(p), obj, ox.NamedNode(graph)))
        if self.sink is not None and len(self.quads) >= self.chunk:
            self.flush()

    def flush(self) -> None:
        """Hand the quads collected so far to the sink (nothing without one)."""
        if self.sink is not None and self.quads:
            self.sink(self.quads)
            self.quads = []

    def excerpt(self, about: str, text: str, section: str, graph: str) -> None:
        """Add an excerpt quoting ``text`` and point ``about`` at it."""
        self.excerpts += 1
        ex = f"{P['ex']}syn-{self.excerpts:07d}"
        self.add(ex, _T, P["lm"] + "Excerpt", graph)
        self.add(ex, P["prov"] + "value", ox.Literal(text), graph)
        self.add(ex, P["dcterms"] + "isPartOf", P["section"] + section, graph)
        self.add(ex, P["prov"] + "wasQuotedFrom", REPORT_IRI, graph)
        self.add(about, _DERIVED, ex, graph)


def _en(text: str) -> ox.Literal:
    return ox.Literal(text, language="en")


def _graph(name: str) -> str:
    return f"{GRAPH_BASE}synthetic/{name}"


def _section(region: str) -> str:
    """The report section a region's facts are quoted from (Central Asia is under EECA)."""
    return "eeca" if region == "central-asia" else region


def synthetic_quads(
    triples: int = 100_000, *, seed: int = SEED, countries: Mapping[str, tuple[str, str]] | None = None
) -> list[ox.Quad]:
    """About ``triples`` quads of made-up organisations, activities, documents and adoptions, the same for one seed.

    :param triples: the wanted size (the result is within a few percent of it above 1,000).
    :param seed: the random seed: the same seed and size give the same quads in the same order.
    :param countries: alpha-3 code → (name, UNODC region slug); :data:`DEFAULT_COUNTRIES` by default.
        Their ``country:`` IRIs are used but not described (load the curated ``countries.ttl`` beside).
    :return: quads in the ``…/graph/synthetic/…`` named graphs.
    """
    w = _Writer()
    _generate(w, triples, seed, countries)
    return w.quads


def stream_synthetic(
    sink: Callable[[list[ox.Quad]], None], triples: int = 100_000, *, seed: int = SEED,
    countries: Mapping[str, tuple[str, str]] | None = None, chunk: int = 100_000,
) -> None:
    """The quads :func:`synthetic_quads` makes, in the same order, handed to ``sink`` ``chunk`` at a time.

    >>> chunks = []
    >>> stream_synthetic(chunks.append, 2_000, seed=1, chunk=500)
    >>> [q for c in chunks for q in c] == synthetic_quads(2_000, seed=1) and max(map(len, chunks)) == 500
    True
    """
    w = _Writer(sink, chunk)
    _generate(w, triples, seed, countries)
    w.flush()


def _generate(w: _Writer, triples: int, seed: int, countries: Mapping[str, tuple[str, str]] | None) -> None:
    rng = random.Random(seed)
    shape = shape_for(triples)
    places = dict(sorted((countries or DEFAULT_COUNTRIES).items()))
    orgs = [_organisation(w, rng, i, shape, places) for i in range(shape.organisations)]
    docs = [_document(w, rng, i, orgs, places) for i in range(shape.documents)]
    # Preferential attachment: an organisation joins the pool again each time it takes part, so a
    # few hubs (UNODC-like) take part in many activities and most in a few.
    pool = list(range(len(orgs))) + [h for h in range(shape.hubs) for _ in range(40)]
    acts = [_activity(w, rng, j, orgs, docs, pool, places) for j in range(shape.activities)]
    _adoptions(w, rng, acts, docs, places)


def _organisation(w: _Writer, rng: random.Random, i: int, shape: Shape, places) -> tuple[str, str, str, str]:
    """One organisation: (IRI, name, alpha-3 or '' for a global one, region)."""
    code = rng.choice(list(places)) if i >= shape.hubs else ""
    name, region = places.get(code, ("", "global"))
    kind = "international-organisation" if not code else rng.choice(ORGANISATION_KINDS)
    label, acronym = _organisation_name(rng, i, kind, name)
    iri = f"{P['orgn']}syn-{(code or 'global').lower()}-{i:06d}"
    g = _graph("organisations")
    unit = code and i % 10 == 0
    w.add(iri, _T, P["org"] + ("OrganizationalUnit" if unit else "FormalOrganization"), g)
    w.add(iri, _LABEL, _en(label), g)
    w.add(iri, _ALT, _en(acronym), g)
    w.add(iri, P["lm"] + "organisationKind", P["okind"] + kind, g)
    if unit:
        w.add(iri, P["org"] + "unitOf", f"{P['orgn']}syn-global-{i % shape.hubs:06d}", g)
    if code:
        w.add(iri, P["schema"] + "location", P["country"] + code, g)
        w.excerpt(iri, f"In {name}, the {label} ({acronym}) worked with partners on HIV prevention.", _section(region), g)
    return iri, label, code, region


def _organisation_name(rng: random.Random, i: int, kind: str, country: str) -> tuple[str, str]:
    n = f"{i:06d}"
    names = {
        "ministry": (f"Ministry of {rng.choice(MINISTRIES)} of {country} {n}", f"MoI-{n}"),
        "police": (f"National Police of {country} {n}", f"NP-{n}"),
        "police-academy": (f"{country} Police Academy {n}", f"PA-{n}"),
        "prison-service": (f"{country} Prison Service {n}", f"PS-{n}"),
        "civil-society-organisation": (f"{country} Harm Reduction Association {n}", f"HRA-{n}"),
        "network": (f"Network of People who Use Drugs of {country} {n}", f"NPUD-{n}"),
        "university": (f"University of {country} {n}", f"UNI-{n}"),
    }
    return names.get(kind, (f"{country or 'International'} {kind.replace('-', ' ').title()} {n}", f"ORG-{n}"))


def _document(w: _Writer, rng: random.Random, i: int, orgs, places) -> str:
    author, _, code, region = rng.choice(orgs)
    kind = rng.choice(DOCUMENT_KINDS)
    year = rng.randint(2013, 2021)
    iri = f"{P['doc']}syn-{i:06d}"
    g = _graph(region)
    label = f"{kind.replace('-', ' ').capitalize()} on {rng.choice(TOPICS).replace('-', ' ')} {i:06d}"
    w.add(iri, _T, P["schema"] + "CreativeWork", g)
    w.add(iri, _LABEL, _en(label), g)
    w.add(iri, P["lm"] + "documentKind", P["dkind"] + kind, g)
    w.add(iri, P["schema"] + "author", author, g)
    w.add(iri, P["schema"] + "dateCreated", ox.Literal(str(year), datatype=_GYEAR), g)
    if rng.random() < 0.4:
        w.add(iri, P["lm"] + "adaptationOf", _MANUAL, g)
    if code:
        w.add(iri, P["lm"] + "country", P["country"] + code, g)
    w.excerpt(iri, f"The {label} was developed in {year}.", _section(region), g)
    return iri


def _activity(w: _Writer, rng: random.Random, j: int, orgs, docs, pool: list[int], places) -> tuple[str, str, int]:
    """One activity with its roles and evidence: (IRI, alpha-3, year)."""
    code = rng.choice(list(places))
    name, region = places[code]
    kind = rng.choices(ACTIVITY_KINDS, KIND_WEIGHTS)[0]
    topic, audience = rng.choice(TOPICS), rng.choice(AUDIENCES)
    year = rng.randint(2013, 2021)
    iri = f"{P['act']}{code.lower()}-{year}-syn-{j:06d}"
    g = _graph(region)
    label = f"{kind.replace('-', ' ').capitalize()} on {topic.replace('-', ' ')} for {audience} in {name}, {year}"
    w.add(iri, _T, P["lm"] + "Activity", g)
    w.add(iri, _LABEL, _en(label), g)
    w.add(iri, P["lm"] + "activityKind", P["akind"] + kind, g)
    w.add(iri, P["lm"] + "status", P["status"] + rng.choice(STATUSES), g)
    w.add(iri, P["schema"] + "startDate", ox.Literal(str(year), datatype=_GYEAR), g)
    if rng.random() < 0.2:
        w.add(iri, P["schema"] + "endDate", ox.Literal(str(min(2021, year + rng.randint(1, 3))), datatype=_GYEAR), g)
    w.add(iri, P["lm"] + "country", P["country"] + code, g)
    w.add(iri, P["schema"] + "location", P["country"] + code, g)
    organiser = _roles(w, rng, iri, orgs, pool, g)
    count = None
    if rng.random() < 0.6:
        count = rng.randint(8, 400)
        w.add(iri, P["lm"] + "participantCount", ox.Literal(str(count), datatype=_INTEGER), g)
        w.add(iri, P["lm"] + "participantCountQualifier", P["qual"] + rng.choice(QUALIFIERS), g)
        w.add(iri, P["lm"] + "participantDescription", _en(audience), g)
    w.add(iri, P["lm"] + "targetPopulation", P["kp"] + rng.choice(KEY_POPULATIONS), g)
    for t in sorted(set(rng.sample(TOPICS, rng.randint(1, 2)) + [topic])):
        w.add(iri, P["dcterms"] + "subject", P["topic"] + t, g)
    if rng.random() < 0.3:
        w.add(iri, P["lm"] + "usedDocument", _MANUAL if rng.random() < 0.5 else rng.choice(docs), g)
    people = f"{count} {audience}" if count else audience
    w.excerpt(iri, f"In {year}, {organiser} organized a {kind.replace('-', ' ')} on {topic.replace('-', ' ')} "
                   f"for {people} in {name}.", _section(region), g)
    if rng.random() < 0.5:
        w.excerpt(iri, f"The {kind.replace('-', ' ')} addressed {topic.replace('-', ' ')} and partnership "
                       f"between law enforcement and civil society.", _section(region), g)
    return iri, code, year


def _roles(w: _Writer, rng: random.Random, iri: str, orgs, pool: list[int], g: str) -> str:
    """Two to five organisations in their roles, the first one the organiser; the organiser's name."""
    members: list[int] = []
    for _ in range(rng.randint(2, 5)):
        i = rng.choice(pool)
        if i not in members:
            members.append(i)
    for n, i in enumerate(members):
        role = ROLES[0] if n == 0 else rng.choices(ROLES, ROLE_WEIGHTS)[0]
        w.add(iri, role, orgs[i][0], g)
        pool.append(i)
    return orgs[members[0]][1]


def _adoptions(w: _Writer, rng: random.Random, acts, docs, places) -> None:
    """Training Manual adoption steps: each country gets the first few stages, each via one of its activities."""
    by_country: dict[str, list[tuple[str, str, int]]] = {}
    for act in acts:
        by_country.setdefault(act[1], []).append(act)
    for code, (name, region) in places.items():
        g = _graph(region)
        for stage in STAGES[: rng.randint(0, len(STAGES))]:
            iri = f"{P['adopt']}syn-{code.lower()}-{stage}"
            act = rng.choice(by_country[code]) if by_country.get(code) else None
            w.add(iri, _T, P["lm"] + "ManualAdoption", g)
            w.add(iri, P["lm"] + "adoptingCountry", P["country"] + code, g)
            w.add(iri, P["lm"] + "adoptedDocument", _MANUAL, g)
            w.add(iri, P["lm"] + "adoptionStage", P["stage"] + stage, g)
            w.add(iri, P["lm"] + "status", P["status"] + "done", g)
            if act is not None:
                w.add(iri, P["lm"] + "year", ox.Literal(str(act[2]), datatype=_GYEAR), g)
                w.add(iri, P["lm"] + "viaActivity", act[0], g)
            w.excerpt(iri, f"{name} reached the {stage} stage of the UNODC Training Manual.", _section(region), g)


def write_nquads(quads: list[ox.Quad], path, *, progress: Callable[[str], None] | None = None) -> int:
    """Write quads as N-Quads to ``path``; the number written."""
    with open(path, "wb") as out:
        ox.serialize(quads, out, format=ox.RdfFormat.N_QUADS)
    if progress:
        progress(f"wrote {len(quads)} quads to {path}")
    return len(quads)
