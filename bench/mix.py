"""The query mix both servers answer: lookups, label search, GROUP BY counts, joins, OPTIONAL-heavy
queries, a bulk transfer, and every named query of ``lemap_graph/sparql/``.

Named queries take their parameters through the engine's substitutions in lemap; over the SPARQL
protocol there are none, so :func:`bind_values` writes ``VALUES ?_param { term }`` at the start of
every group of the query (and of every subquery and EXISTS), which binds the parameter wherever it is
used, as a substitution does. A test checks that the bound text gives the rows substitutions give.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import pyoxigraph as ox

from lemap_graph.engine import tokenize
from lemap_graph.namespaces import PREFIXES as P
from lemap_graph.queries import NamedQuery, load_queries

from .datasets import Probes


@dataclass(frozen=True)
class BenchQuery:
    """One query of the mix: its name, shape (``group``) and SPARQL text."""

    name: str
    group: str
    text: str


PREFIXES = "".join(f"PREFIX {k}: <{P[k]}>\n" for k in ("lm", "schema", "skos", "prov", "dcterms", "org", "xsd"))

#: name → (group, query text with ``{org}``, ``{activity}``, ``{country}``, ``{word}`` to fill in).
CUSTOM: dict[str, tuple[str, str]] = {
    "ask-organisation": ("lookup", "ASK { <{org}> ?p ?o }"),
    "lookup-organisation": ("lookup", "SELECT ?p ?o WHERE { <{org}> ?p ?o }"),
    "lookup-activity-labels": ("lookup",
        "SELECT ?p ?o ?label WHERE { <{activity}> ?p ?o OPTIONAL { ?o skos:prefLabel ?label } }"),
    "count-country-incoming": ("lookup", "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p <{country}> } GROUP BY ?p"),
    "search-label-contains": ("search", """SELECT ?s ?label WHERE {
  ?s skos:prefLabel ?label FILTER(CONTAINS(LCASE(STR(?label)), "{word}")) }"""),
    "search-label-regex": ("search", """SELECT ?s ?label WHERE {
  ?s skos:prefLabel|skos:altLabel ?label FILTER(REGEX(STR(?label), "^(ministry|national police)", "i")) }"""),
    "search-excerpt-text": ("search", """SELECT ?excerpt ?about WHERE {
  ?about prov:wasDerivedFrom ?excerpt . ?excerpt prov:value ?text FILTER(CONTAINS(?text, "harm reduction")) }"""),
    "count-by-country": ("aggregate", """SELECT ?country (SAMPLE(?l) AS ?label) (COUNT(DISTINCT ?a) AS ?n) WHERE {
  ?a a lm:Activity ; lm:country ?country OPTIONAL { ?country skos:prefLabel ?l } }
GROUP BY ?country ORDER BY DESC(?n) ?country"""),
    "count-by-year": ("aggregate", """SELECT ?year (COUNT(DISTINCT ?a) AS ?n) WHERE {
  ?a a lm:Activity ; schema:startDate ?d BIND(SUBSTR(STR(?d), 1, 4) AS ?year) } GROUP BY ?year ORDER BY ?year"""),
    "count-by-kind": ("aggregate", """SELECT ?kind (SAMPLE(?l) AS ?label) (COUNT(DISTINCT ?a) AS ?n) WHERE {
  ?a a lm:Activity ; lm:activityKind ?kind OPTIONAL { ?kind skos:prefLabel ?l } }
GROUP BY ?kind ORDER BY DESC(?n) ?kind"""),
    "count-by-country-year-kind": ("aggregate", """SELECT ?country ?year ?kind (COUNT(DISTINCT ?a) AS ?n) WHERE {
  ?a a lm:Activity ; lm:country ?country ; lm:activityKind ?kind ; schema:startDate ?d
  BIND(SUBSTR(STR(?d), 1, 4) AS ?year) } GROUP BY ?country ?year ?kind ORDER BY ?country ?year ?kind"""),
    "count-by-role": ("aggregate", """SELECT ?role (COUNT(*) AS ?n) WHERE {
  VALUES ?role { schema:organizer lm:partner schema:funder lm:supporter lm:host schema:attendee }
  ?a ?role ?o } GROUP BY ?role ORDER BY ?role"""),
    "join-coorganisers-of-one": ("join", """SELECT ?other (COUNT(DISTINCT ?a) AS ?n) WHERE {
  ?a schema:organizer|lm:partner <{org}> ; schema:organizer|lm:partner ?other FILTER(?other != <{org}>) }
GROUP BY ?other ORDER BY DESC(?n) ?other"""),
    "join-coorganiser-pairs": ("join", """SELECT ?o1 ?o2 (COUNT(DISTINCT ?a) AS ?n) WHERE {
  ?a schema:organizer|lm:partner ?o1 , ?o2 FILTER(STR(?o1) < STR(?o2)) }
GROUP BY ?o1 ?o2 ORDER BY DESC(?n) ?o1 ?o2 LIMIT 100"""),
    "join-evidence-of-one": ("join", """SELECT ?a ?text ?section WHERE {
  ?a schema:organizer|lm:partner <{org}> ; prov:wasDerivedFrom ?ex .
  ?ex prov:value ?text ; dcterms:isPartOf ?section }"""),
    "optional-activities-in-country": ("optional", """SELECT ?a ?label ?kindLabel ?statusLabel ?start ?end ?count
       ?qualifierLabel ?docLabel ?organiserLabel WHERE {
  ?a a lm:Activity ; lm:country <{country}> .
  OPTIONAL { ?a skos:prefLabel ?label }
  OPTIONAL { ?a lm:activityKind ?k OPTIONAL { ?k skos:prefLabel ?kindLabel } }
  OPTIONAL { ?a lm:status ?s OPTIONAL { ?s skos:prefLabel ?statusLabel } }
  OPTIONAL { ?a schema:startDate ?start } OPTIONAL { ?a schema:endDate ?end }
  OPTIONAL { ?a lm:participantCount ?count OPTIONAL { ?a lm:participantCountQualifier/skos:prefLabel ?qualifierLabel } }
  OPTIONAL { ?a lm:usedDocument/skos:prefLabel ?docLabel }
  OPTIONAL { ?a schema:organizer/skos:prefLabel ?organiserLabel }
} ORDER BY ?a"""),
    "optional-organisations": ("optional", """SELECT ?o ?label ?acronym ?kindLabel ?countryLabel ?parentLabel ?quote WHERE {
  ?o a org:FormalOrganization .
  OPTIONAL { ?o skos:prefLabel ?label } OPTIONAL { ?o skos:altLabel ?acronym }
  OPTIONAL { ?o lm:organisationKind/skos:prefLabel ?kindLabel }
  OPTIONAL { ?o schema:location/skos:prefLabel ?countryLabel }
  OPTIONAL { ?o org:subOrganizationOf/skos:prefLabel ?parentLabel }
  OPTIONAL { ?o prov:wasDerivedFrom/prov:value ?quote }
} ORDER BY ?o LIMIT 5000"""),
    "transfer-5000-rows": ("transfer", "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 5000"),
    "graphs-count": ("aggregate", "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"),
}

_ROLE_VALUES = "VALUES ?role { schema:organizer lm:partner schema:funder lm:supporter lm:host schema:attendee }"


def check_query(probes: Probes) -> tuple[str, int]:
    """A count the data fix, and its value: the roles the probe organisation has.

    A server's first answer with that count is its start-up (``ASK {}`` would only say that its
    HTTP side is up).
    """
    text = PREFIXES + f"SELECT (COUNT(*) AS ?n) WHERE {{ {_ROLE_VALUES} ?a ?role <{probes.organisation}> }}"
    return text, probes.roles


def lookup_query(probes: Probes, limit: int = 10) -> tuple[str, int]:
    """The web-tier throughput query: ``limit`` activities the probe organisation has a role in, and its row count."""
    text = PREFIXES + f"SELECT ?a WHERE {{ {_ROLE_VALUES} ?a ?role <{probes.organisation}> }} LIMIT {limit}"
    return text, min(limit, probes.roles)


#: Queries the concurrency phase draws from: what pages and API clients ask most.
CONCURRENT = ("ask-organisation", "lookup-organisation", "lookup-activity-labels", "search-label-contains",
              "count-by-kind", "join-coorganisers-of-one", "named-entity-outgoing", "named-entity-by-name")


def custom_queries(probes: Probes) -> list[BenchQuery]:
    """The hand-written part of the mix, filled in with ``probes``."""
    values = {"{org}": probes.organisation, "{activity}": probes.activity, "{country}": probes.country,
              "{word}": probes.word}
    out = []
    for name, (group, text) in CUSTOM.items():
        for key, value in values.items():
            text = text.replace(key, value)
        out.append(BenchQuery(name, group, PREFIXES + text))
    return out


def parameter_values(probes: Probes) -> dict[tuple[str, str], ox.NamedNode | ox.Literal]:
    """Values for the named queries' parameters: (query or ``*``, parameter) → term."""
    country = ox.NamedNode(probes.country)
    return {
        ("*", "_country"): country,
        ("*", "_code"): ox.Literal(probes.country_code),
        ("*", "_name"): ox.Literal(probes.name),
        ("*", "_ns"): ox.Literal(P["lmid"]),
        ("*", "_prefix"): ox.Literal(P["orgn"]),
        ("*", "_after"): ox.Literal(""),  # the search-* queries' paging key: "" reads the first page
        ("*", "_iri"): ox.NamedNode(probes.activity),
        ("entity-incoming", "_iri"): country,
        ("entity-incoming-counts", "_iri"): country,
        ("entity-triples", "_iri"): ox.NamedNode(probes.organisation),
        ("entity-scheme-concepts", "_iri"): ox.NamedNode(P["scheme"] + "activity-kinds"),
    }


def named_queries(probes: Probes, named: list[NamedQuery] | None = None) -> list[BenchQuery]:
    """Every named query, its parameters bound with :func:`bind_values` (``named-`` before its name)."""
    values = parameter_values(probes)
    out = []
    for q in load_queries() if named is None else named:
        subs = {}
        for p in q.params:
            term = values.get((q.name, p.name), values.get(("*", p.name)))
            if term is not None:
                subs[p.name] = term
        out.append(BenchQuery("named-" + q.name, "named", bind_values(q.text, subs)))
    return out


def build_mix(probes: Probes) -> list[BenchQuery]:
    """The whole mix: custom queries, then the named ones."""
    return custom_queries(probes) + named_queries(probes)


def bind_values(text: str, values: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
    """``text`` with ``VALUES ?name { term }`` opening every group, so each variable is bound everywhere.

    Skips the data blocks of VALUES, a CONSTRUCT template and the braces around a subquery, which are
    not groups (a subquery gets its VALUES inside its own WHERE).

    :param text: SPARQL query text.
    :param values: variable name (without ``?``) → term.

    >>> bind_values("SELECT ?_x WHERE { ?s ?p ?_x FILTER EXISTS { ?_x ?q ?s } }", {"_x": ox.Literal("a")})
    'SELECT ?_x WHERE { VALUES ?_x { "a" } ?s ?p ?_x FILTER EXISTS { VALUES ?_x { "a" } ?_x ?q ?s } }'
    """
    if not values:
        return text
    clause = " ".join(f"VALUES ?{name} {{ {term} }}" for name, term in values.items())
    tokens = [t for t in tokenize(text) if t.kind not in ("ws", "comment")]
    out, last = [], 0
    skip_next_block, skipping_depth, depth = False, None, 0
    for i, t in enumerate(tokens):
        if t.kind == "name" and t.text.upper() in ("VALUES", "CONSTRUCT"):
            skip_next_block = True
        elif t.kind == "open" and t.text == "{":
            depth += 1
            if skipping_depth is not None:
                continue
            if skip_next_block:
                skipping_depth, skip_next_block = depth, False
                continue
            after = tokens[i + 1] if i + 1 < len(tokens) else None
            if after is not None and after.kind == "name" and after.text.upper() == "SELECT":
                continue  # a subquery's braces hold only the subquery: its own WHERE gets the VALUES
            out.append(text[last : t.pos + 1] + " " + clause)
            last = t.pos + 1
        elif t.kind == "close" and t.text == "}":
            if skipping_depth == depth:
                skipping_depth = None
            depth -= 1
        elif skip_next_block and t.kind == "name" and t.text.upper() == "WHERE":
            skip_next_block = False  # CONSTRUCT WHERE { … }: the pattern is also the template
    out.append(text[last:])
    return "".join(out)
