"""The search box: ``/search`` (HTML and JSON) and ``/search/suggest`` (search-as-you-type), over the search index.

Both answer from :mod:`lemap_graph.search`: an SQLite FTS5 index of every entity's names and the
report's sentences, built from the engine's named queries once per data version
(``engine.version``) and shared with the reconciliation service (:mod:`webapp.reconcile`).
The header of every page carries the box (``templates/base.html``, ``static/js/search.js``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from lemap_graph.engine import QueryError
from lemap_graph.search import matcher, results
from lemap_graph.search.index import Entity, ExcerptHit, SearchIndex
from lemap_graph.search.service import SearchService

from .workbench import entity_page

bp = Blueprint("search", __name__)

#: Longest query accepted, in characters (a name or a phrase, never a document).
MAX_QUERY = 200
#: Most suggestions the box offers.
SUGGESTIONS = 8
#: How a kind (the path segment after /id/) is named as a heading; others are spelt from the segment.
KIND_LABELS = {
    "country": "Countries", "organisation": "Organisations", "activity": "Activities", "document": "Documents",
    "place": "Places", "adoption": "Training Manual adoption steps", "section": "Report sections",
    "report": "Reports", "activity-kind": "Activity kinds", "document-kind": "Document kinds",
    "organisation-kind": "Organisation kinds", "key-population": "Key populations", "topic": "Topics",
    "region": "Regions", "adoption-stage": "Adoption stages", "status": "Statuses", "qualifier": "Qualifiers",
    "country-group": "Country groups", "observation": "Figures", "grant": "Grants",
}


class BadSearch(Exception):
    """A search that cannot be answered: HTTP ``status`` and a ``message`` saying what is wrong."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


@bp.record_once
def _setup(state) -> None:
    install(state.app)


def install(app) -> SearchService:
    """The app's :class:`SearchService` (created once, shared by the search page and reconciliation)."""
    base = app.config.get("LEMAP_BASE_IRI") or "https://w3id.org/lemap/"
    return app.extensions.setdefault("search", SearchService(base.rstrip("/") + "/id/"))


def current_index() -> SearchIndex:
    """The search index of the engine's current data; 503 when the engine cannot be read."""
    try:
        return install(current_app).index(current_app.extensions["lemap"].engine)
    except QueryError as e:
        raise BadSearch(503, f"the search index could not be built: {e.message}") from None


def read_query(name: str = "q") -> str:
    """The query text from the URL, stripped; 400 when it is too long."""
    text = request.args.get(name, "").strip()
    if len(text) > MAX_QUERY:
        raise BadSearch(400, f"parameter {name}: at most {MAX_QUERY} characters, got {len(text)}")
    return text


def kind_label(kind: str) -> str:
    """The heading of a kind of entity (``organisation`` → ``Organisations``)."""
    return KIND_LABELS.get(kind) or kind.replace("-", " ").capitalize()


@bp.app_context_processor
def _template_helpers() -> dict[str, Any]:
    return {
        "search_box": {"action": request.script_root + "/search", "suggest": request.script_root + "/search/suggest"},
        "kind_label": kind_label,
    }


@bp.errorhandler(BadSearch)
def _bad_search(error: BadSearch):
    if _wants_json():
        return jsonify(status=error.status, message=error.message), error.status
    return render_template("search/results.html", query="", answer=None, error=error.message, kind=None), error.status


# ---------------------------------------------------------------------------------------- pages


@bp.get("/search")
def page() -> Response | str:
    """Search names and sentences: results grouped by kind, as HTML or (``Accept``/``?format=json``) JSON."""
    query, kind = read_query(), request.args.get("kind", "").strip() or None
    if kind is not None and (len(kind) > 60 or not kind.replace("-", "").isalnum()):
        raise BadSearch(400, f"parameter kind: {kind[:60]!r} is not a kind of entity (country, organisation, …)")
    index = current_index() if query else None
    answer = results.search(index, query, kind=kind) if index is not None else None
    if _wants_json():
        return jsonify(answer_json(query, answer, index))
    return render_template("search/results.html", query=query, answer=answer, error=None, kind=kind, index=index)


@bp.get("/search/suggest")
def suggest() -> Response:
    """Names starting with (or close to) what has been typed, for the header's search box."""
    query = read_query()
    found = matcher.suggest(current_index(), query, limit=SUGGESTIONS) if query else []
    return jsonify(query=query, suggestions=[_entity_json(c.entity) | {"matched": c.name} for c in found])


# ---------------------------------------------------------------------------------------- JSON


def answer_json(query: str, answer: results.Answer | None, index: SearchIndex | None) -> dict[str, Any]:
    """The search answer as JSON: groups of hits by kind, and the matching sentences with their entities."""
    if answer is None or index is None:
        return {"query": query, "words": [], "groups": [], "sentences": []}
    return {
        "query": query,
        "words": [w.split("|") for w in answer.words],
        "groups": [
            {"kind": g.kind, "label": kind_label(g.kind), "total": g.total, "hits": [_hit_json(h) for h in g.hits]}
            for g in answer.groups
        ],
        "sentences": [_sentence_json(s) | {"entities": [_entity_json(index.entity(k)) for k in s.entities]} for s in answer.sentences],
    }


def _hit_json(hit: results.Hit) -> dict[str, Any]:
    return _entity_json(hit.entity) | {
        "score": hit.score,
        "matched": hit.name,
        "sentence": _sentence_json(hit.sentence) if hit.sentence else None,
    }


def _entity_json(entity: Entity) -> dict[str, Any]:
    return {
        "id": entity.iri.removeprefix(install(current_app).base),
        "iri": entity.iri,
        "label": entity.label,
        "kind": entity.kind,
        "description": entity.description,
        "url": entity_page(entity.iri),
    }


def _sentence_json(sentence: ExcerptHit) -> dict[str, Any]:
    return {
        "iri": sentence.iri,
        "url": entity_page(sentence.iri),
        "text": sentence.text,
        "pieces": [{"text": text, "match": match} for text, match in sentence.pieces],
    }


def _wants_json() -> bool:
    if request.args.get("format") == "json":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"
