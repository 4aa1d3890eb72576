"""``/reconcile``: a W3C Entity Reconciliation Service (API 0.2, the protocol OpenRefine speaks).

- ``GET /reconcile`` without ``queries``: the service manifest;
- ``GET``/``POST /reconcile`` with ``queries=<JSON batch>``: candidates for each query, scored by the
  same matcher as the search box (:mod:`lemap_graph.search.matcher`), restricted to the query's
  ``type`` (a class or any of its subclasses) and checked against its ``properties`` (country, type,
  names and codes);
- ``/reconcile/preview?id=…``: a small HTML card for OpenRefine's preview frame;
- ``/reconcile/suggest/entity|type|property?prefix=…``: auto-completion.

Entity ids are lemap's IRIs without the identifier space (``country/UKR`` is
``https://w3id.org/lemap/id/country/UKR``); type and property ids are CURIEs (``lm:Country``).
Every answer allows any origin (CORS), as the specification requires.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from lemap_graph import queries
from lemap_graph.search import matcher
from lemap_graph.search.index import Entity, SearchIndex
from lemap_graph.search.text import fold

from .search import MAX_QUERY, BadSearch, current_index, install

bp = Blueprint("reconcile", __name__)

#: Most queries in one batch (413 above), most candidates per query.
BATCH_SIZE, MAX_LIMIT, DEFAULT_LIMIT = 100, 50, 5
#: A candidate failing one of the query's property conditions keeps this share of its score.
CONDITION_PENALTY = 0.75
#: The types offered first, with the names partners use for them.
DEFAULT_TYPES = (
    ("lm:Country", "Country"),
    ("org:Organization", "Organisation"),
    ("schema:Place", "Place"),
    ("schema:CreativeWork", "Document"),
    ("lm:Activity", "Activity"),
    ("lm:ManualAdoption", "Training Manual adoption step"),
    ("skos:Concept", "Concept (kinds, topics, populations, stages)"),
)
#: Properties a query's ``properties`` may name: id → (name, what it compares).
PROPERTIES = {
    "lm:country": ("country", "the country the entity is in or about: ISO code, name or id"),
    "rdf:type": ("type", "a class of the entity: lm:Country, org:Organization …"),
    "skos:prefLabel": ("preferred label", "the entity's preferred name"),
    "skos:altLabel": ("alternative label", "another name or acronym of the entity"),
    "lm:isoAlpha2": ("ISO 3166-1 alpha-2 code", "two-letter country code"),
    "lm:isoAlpha3": ("ISO 3166-1 alpha-3 code", "three-letter country code"),
    "lm:isoNumeric": ("ISO 3166-1 numeric code", "three-digit country code"),
}
_ALIASES = {"country": "lm:country", "schema:location": "lm:country", "type": "rdf:type", "a": "rdf:type"}


class BadReconcile(Exception):
    """A request this service cannot answer: HTTP ``status`` and a ``message`` saying what and where."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


@bp.after_request
def _cors(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept"
    return response


@bp.errorhandler(BadReconcile)
@bp.errorhandler(BadSearch)
def _bad_request(error):
    return jsonify(status=error.status, message=error.message), error.status


# ------------------------------------------------------------------------------------ the service


@bp.route("/reconcile", methods=["GET", "POST"])
def service() -> Response:
    """The manifest, or the answers to a batch of reconciliation queries (``queries=``)."""
    raw = request.values.get("queries")
    if raw is None:
        return jsonify(manifest())
    batch = read_batch(raw)
    index = current_index()
    return jsonify({key: {"result": [candidate_json(index, c) for c in answer(index, key, q)]} for key, q in batch.items()})


def manifest() -> dict[str, Any]:
    """The service manifest (API 0.2): names, id spaces, default types, view, preview and suggest services."""
    root = request.host_url.rstrip("/") + request.script_root
    base = install(current_app).base
    counts = current_index().type_counts()
    suggest = {k: {"service_url": root, "service_path": f"/reconcile/suggest/{k}"} for k in ("entity", "type", "property")}
    return {
        "versions": ["0.1", "0.2"],
        "name": "lemap: law enforcement and HIV partnerships (UNODC mapping report 2013–2021)",
        "identifierSpace": base,
        "schemaSpace": base.removesuffix("id/") + "ontology#",
        "documentation": root + "/search",
        "defaultTypes": [{"id": t, "name": n} for t, n in DEFAULT_TYPES if counts.get(_expand(t))],
        "view": {"url": root + "/id/{{id}}"},
        "preview": {"url": root + "/reconcile/preview?id={{id}}", "width": 420, "height": 200},
        "suggest": suggest,
        "batchSize": BATCH_SIZE,
    }


def read_batch(raw: str) -> dict[str, dict[str, Any]]:
    """The ``queries`` parameter as a checked batch; 400 naming the query and field that is wrong."""
    try:
        batch = json.loads(raw)
    except ValueError as e:
        raise BadReconcile(400, f"queries is not JSON: {e}") from None
    if not isinstance(batch, dict):
        raise BadReconcile(400, 'queries must be a JSON object of queries, e.g. {"q0": {"query": "Kiev"}}')
    if len(batch) > BATCH_SIZE:
        raise BadReconcile(413, f"a batch holds at most {BATCH_SIZE} queries, this one {len(batch)}")
    return {str(key): _checked(str(key), q) for key, q in batch.items()}


def _checked(key: str, q: Any) -> dict[str, Any]:
    if not isinstance(q, dict):
        raise BadReconcile(400, f"{key}: a query is a JSON object with a 'query' string")
    text = q.get("query", "")
    if not isinstance(text, str) or len(text) > MAX_QUERY:
        raise BadReconcile(400, f"{key}.query: a string of at most {MAX_QUERY} characters")
    limit = q.get("limit", DEFAULT_LIMIT)
    if isinstance(limit, bool) or not isinstance(limit, (int, float)) or not math.isfinite(limit) or limit < 1:
        raise BadReconcile(400, f"{key}.limit: a positive number, got {limit!r}")
    properties = q.get("properties", [])
    if not isinstance(properties, list) or not all(isinstance(p, dict) and "pid" in p and "v" in p for p in properties):
        raise BadReconcile(400, f"{key}.properties: a list of {{\"pid\": …, \"v\": …}} objects")
    return {"query": text.strip(), "types": _types(key, q.get("type")), "limit": min(int(limit), MAX_LIMIT), "properties": properties}


def _types(key: str, given: Any) -> tuple[str, ...]:
    if given is None or given == "":
        return ()
    names = [given] if isinstance(given, str) else given
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise BadReconcile(400, f"{key}.type: a type id or a list of them")
    return tuple(resolve_type(key, n) for n in names)


def resolve_type(key: str, name: str) -> str:
    """A type id (CURIE, IRI or name such as ``Organisation``) as the class IRI; 400 when lemap has no such class."""
    index = current_index()
    by_name = {n.casefold(): t for t, n in DEFAULT_TYPES} | {t.label.casefold(): t.iri for t in index.types.values()}
    iri = _expand(by_name.get(name.casefold(), name))
    if iri not in index.types:
        known = ", ".join(t for t, _ in DEFAULT_TYPES)
        raise BadReconcile(400, f"{key}.type: lemap has no entity type {name!r} (try {known}, or /reconcile/suggest/type)")
    return iri


def answer(index: SearchIndex, key: str, q: dict[str, Any]) -> list[matcher.Candidate]:
    """The candidates of one query, best first; property conditions lower the score of those that fail them."""
    if not q["query"]:
        return []
    found = matcher.rank(index, q["query"], types=q["types"], limit=max(q["limit"], 10))
    if q["properties"]:
        found = [_conditioned(index, key, c, q["properties"]) for c in found]
        found = matcher.decide([replace(c, match=False) for c in sorted(found, key=lambda c: -c.score)])
    return found[: q["limit"]]


def _conditioned(index: SearchIndex, key: str, c: matcher.Candidate, conditions: list[dict]) -> matcher.Candidate:
    score, features, near = c.score, list(c.features), c.near_exact
    for i, cond in enumerate(conditions):
        pid = _ALIASES.get(cond["pid"], cond["pid"])
        if pid not in PROPERTIES:
            raise BadReconcile(400, f"{key}.properties[{i}].pid: lemap cannot compare {cond['pid']!r} (see /reconcile/suggest/property)")
        values = cond["v"] if isinstance(cond["v"], list) else [cond["v"]]
        ok = any(_holds(index, c.entity, pid, v) for v in values)
        features.append((f"property:{pid}", ok))
        if not ok:
            score, near = round(score * CONDITION_PENALTY, 1), False
    return replace(c, score=score, features=tuple(features), near_exact=near)


def _holds(index: SearchIndex, entity: Entity, pid: str, value: Any) -> bool:
    """Whether ``entity`` has ``value`` for property ``pid``."""
    text = str(value.get("id") or value.get("name") or "") if isinstance(value, dict) else str(value)
    if pid == "rdf:type":
        return _expand(text) in entity.types or text.casefold() in {index.types[t].label.casefold() for t in entity.types if t in index.types}
    if pid == "lm:country":
        return any(_same_country(index, iri, label, text) for iri, label in entity.countries)
    wanted = queries.PREFIXES[pid.split(":")[0]] + pid.split(":")[1]
    return any(r.property == wanted and r.folded == fold(text) for r in index.names_of(entity.key))


def _same_country(index: SearchIndex, iri: str, label: str, value: str) -> bool:
    if value in (iri, iri.removeprefix(index.base)) or fold(value) == fold(label):
        return True
    best = matcher.rank(index, value, types=[_expand("lm:Country")], limit=1)
    return bool(best) and best[0].match and best[0].entity.iri == iri


def candidate_json(index: SearchIndex, c: matcher.Candidate) -> dict[str, Any]:
    """One reconciliation candidate: id, name, description, score, match, types and matching features."""
    return {
        "id": c.entity.iri.removeprefix(index.base),
        "name": c.entity.label,
        "description": c.entity.description + (f" · matched “{c.name}”" if c.name != c.entity.label else ""),
        "score": c.score,
        "match": c.match,
        "type": [_type_json(index, t) for t in c.entity.types],
        "features": [{"id": name, "value": value} for name, value in c.features],
    }


def _type_json(index: SearchIndex, iri: str) -> dict[str, str]:
    known = index.types.get(iri)
    return {"id": queries.compact(iri), "name": known.label if known else iri}


def _expand(curie: str) -> str:
    prefix, sep, local = curie.partition(":")
    if sep and prefix in queries.PREFIXES and not local.startswith("//"):
        return queries.PREFIXES[prefix] + local
    return curie


# ------------------------------------------------------------------------------------ preview


@bp.get("/reconcile/preview")
def preview() -> Response:
    """A small HTML card of one entity, to show in OpenRefine's preview frame (embeddable anywhere)."""
    index = current_index()
    entity = _entity_or_404(index, request.args.get("id", ""))
    names = sorted({r.text for r in index.names_of(entity.key) if not r.derived and r.text != entity.label})
    html = render_template(
        "reconcile/preview.html", entity=entity, names=names, evidence=index.evidence_of(entity.key, 1),
        types=[_type_json(index, t)["name"] for t in entity.types[:4]], page=request.script_root + "/id/" + entity.iri.removeprefix(index.base),
    )
    response = Response(html, mimetype="text/html")
    # Shown inside another tool's page: it may be framed by anyone, and runs no script at all.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors *; base-uri 'none'"
    return response


def _entity_or_404(index: SearchIndex, given: str) -> Entity:
    if not given or len(given) > 500:
        raise BadReconcile(400, "parameter id: an entity id such as country/UKR")
    entity = index.find(given) or index.find(index.base + given.lstrip("/"))
    if entity is None:
        raise BadReconcile(404, f"no entity with id {given!r}")
    return entity


# ------------------------------------------------------------------------------------ suggest


def _paging() -> tuple[str, int]:
    prefix = request.args.get("prefix", "").strip()
    if len(prefix) > MAX_QUERY:
        raise BadReconcile(400, f"parameter prefix: at most {MAX_QUERY} characters")
    cursor = request.args.get("cursor", "0")
    if not cursor.isdigit() or int(cursor) > 1000:
        raise BadReconcile(400, f"parameter cursor: a whole number from 0 to 1000, got {cursor[:20]!r}")
    return prefix, int(cursor)


@bp.get("/reconcile/suggest/entity")
def suggest_entity() -> Response:
    """Entities whose names start with (or come close to) ``prefix``, optionally of one ``type``."""
    prefix, cursor = _paging()
    index = current_index()
    types = (resolve_type("type", request.args["type"]),) if request.args.get("type") else ()
    found = matcher.suggest(index, prefix, types=types, limit=cursor + 10)[cursor:] if prefix else []
    return jsonify(result=[_suggested(index, c) for c in found])


def _suggested(index: SearchIndex, c: matcher.Candidate) -> dict[str, Any]:
    item = candidate_json(index, c)
    return {"id": item["id"], "name": item["name"], "description": item["description"], "notable": item["type"][:3]}


@bp.get("/reconcile/suggest/type")
def suggest_type() -> Response:
    """Classes whose name or id contains ``prefix``: the types queries may ask for, with their broader classes."""
    prefix, cursor = _paging()
    index, wanted = current_index(), fold(prefix)
    counts = index.type_counts()
    found = [t for t in index.types.values() if counts.get(t.iri) and (wanted in fold(t.label) or wanted in fold(queries.compact(t.iri)))]
    found.sort(key=lambda t: (not fold(t.label).startswith(wanted), -counts[t.iri], t.label))
    return jsonify(result=[_type_item(index, t, counts[t.iri]) for t in found[cursor : cursor + 20]])


def _type_item(index: SearchIndex, t, count: int) -> dict[str, Any]:
    broader = [_type_json(index, b) for b in t.broader if b in index.types]
    return {"id": queries.compact(t.iri), "name": t.label, "description": f"{count} entities. {t.definition}".strip(), "broader": broader}


@bp.get("/reconcile/suggest/property")
def suggest_property() -> Response:
    """The properties a query's ``properties`` conditions may name."""
    prefix, cursor = _paging()
    wanted = fold(prefix)
    found = [(pid, n, d) for pid, (n, d) in PROPERTIES.items() if wanted in fold(n) or wanted in fold(pid)]
    return jsonify(result=[{"id": pid, "name": n, "description": d} for pid, n, d in found[cursor:]])

