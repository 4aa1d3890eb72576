"""Partners contribute data: ``/validate``, ``/graphs`` and the partner import, the graph pages and the CSV template.

- ``GET /validate`` is a form; ``POST /validate`` takes an upload (by ``Content-Type``, or a
  multipart file) and answers the SHACL report as JSON, or as HTML grouped by focus node.
- ``POST``/``PUT``/``DELETE /graphs/<partner>/<dataset>`` with ``Authorization: Bearer <token>``
  add to, replace or remove the partner's named graph; ``GET /graphs`` lists every graph with its
  provenance (HTML and JSON), each linked to its page ``/graph/<path>`` (served by
  :mod:`webapp.linked_data`, with the import's provenance).
- ``/templates/activities.csv`` and its CSVW metadata.

The web process never parses an upload: :mod:`lemap_graph.partner` checks the raw bytes, then
parses and validates in a worker process; every refusal is a 4xx JSON with a ``message``.
"""

from __future__ import annotations

import json
import threading
from http import HTTPStatus
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

from flask import Blueprint, Response, current_app, redirect, render_template, request

from lemap_graph import queries
from lemap_graph.adoption import dataset_name
from lemap_graph.engine import QueryError
from lemap_graph.partner import csvtemplate, imports
from lemap_graph.partner.guard import KINDS, UploadLimits, UploadRefused, find_kind
from lemap_graph.partner.imports import GraphLocks, ImportFailed, NotConforming
from lemap_graph.partner.tokens import TokenStore, tokens_path
from lemap_graph.store import GRAPH_BASE

bp = Blueprint("partner", __name__)
bp.nav = (("/validate", "Contribute"),)

#: What a preview on /validate is checked as, when no partner and dataset are named.
PREVIEW = ("preview", "upload")


@dataclass
class PartnerState:
    """Per app: the per-graph import locks, the token file, the upload limits and the upload-check slots."""

    locks: GraphLocks
    tokens: TokenStore
    limits: UploadLimits
    slots: threading.BoundedSemaphore

    @contextmanager
    def slot(self) -> Iterator[None]:
        """One of the ``LEMAP_UPLOAD_WORKERS`` upload checks at a time, or 503 when none frees up in time."""
        if not self.slots.acquire(timeout=self.limits.timeout):
            raise UploadRefused(503, "every upload worker is busy checking other uploads (LEMAP_UPLOAD_WORKERS); try again shortly")
        try:
            yield
        finally:
            self.slots.release()


@bp.record_once
def _setup(state) -> None:
    config = state.app.config
    tokens = tokens_path(config.get("LEMAP_TOKENS"), config.get("LEMAP_STORE"))
    state.app.extensions["partner"] = PartnerState(
        GraphLocks(tokens.parent / "import-locks"), TokenStore(tokens),
        UploadLimits.from_settings(config), threading.BoundedSemaphore(max(1, int(config.get("LEMAP_UPLOAD_WORKERS") or 2))))


def _partner() -> PartnerState:
    return current_app.extensions["partner"]


def _engine():
    return current_app.extensions["lemap"].engine


# --- errors -----------------------------------------------------------------------------------------


def _json(data: Any, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(data, ensure_ascii=False, indent=1), status=status, headers=headers,
                    mimetype="application/json")


@bp.errorhandler(UploadRefused)
def _refused(error: UploadRefused) -> Response:
    headers = {401: {"WWW-Authenticate": 'Bearer realm="lemap"'}, 503: {"Retry-After": "5"}}.get(error.status)
    return _json(error.to_dict(), error.status, headers)


@bp.errorhandler(NotConforming)
def _not_conforming(error: NotConforming) -> Response:
    body = {"status": 422, "error": "Unprocessable Content", "message": str(error), "report": error.report.to_json()}
    return _json(body, 422)


@bp.errorhandler(ImportFailed)
def _import_failed(error: ImportFailed) -> Response:
    return _json({"status": error.status, "error": HTTPStatus(error.status).phrase, "message": error.message}, error.status)


@bp.errorhandler(QueryError)
def _engine_error(error: QueryError) -> Response:
    return _json(error.to_dict(), error.status)


# --- reading the upload -------------------------------------------------------------------------------


def _body() -> tuple[bytes, str | None, str]:
    """The upload's bytes, its media type and a name for it: the request body, or the form's file."""
    limit = _partner().limits.max_bytes
    if request.content_length is not None and request.content_length > limit:
        raise UploadRefused(413, f"the upload is {request.content_length} bytes; the limit is {limit} bytes (LEMAP_MAX_UPLOAD_BYTES)")
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise UploadRefused(400, "choose a file to check (the form field is called file)")
        body = upload.stream.read(limit + 1)
        kind = request.form.get("format") or _kind_of_file(upload.filename, upload.mimetype)
        return body, kind, upload.filename
    body = request.stream.read(limit + 1)
    return body, request.content_type, "upload"


def _kind_of_file(filename: str, mimetype: str | None) -> str | None:
    suffix = filename.rsplit(".", 1)[-1] if "." in filename else ""
    found = find_kind(suffix) or (find_kind(mimetype) if mimetype else None)
    return found.media_type if found else mimetype


def _names(partner: str, dataset: str) -> None:
    try:
        imports.graph_iri(partner, dataset)
    except ValueError as e:
        raise UploadRefused(400, str(e)) from None


# --- /validate ----------------------------------------------------------------------------------------


@bp.get("/validate")
def validate_form():
    """The form: choose a file (Turtle, N-Triples, TriG, N-Quads, JSON-LD, RDF/XML or the CSV template)."""
    return render_template("partner/validate.html", report=None, kinds=KINDS, error=None, upload=None)


@bp.post("/validate")
def validate():
    """Check an upload against lemap's shapes with the graph as context; the report as JSON or HTML."""
    partner, dataset = request.args.get("partner", PREVIEW[0]), request.args.get("dataset", PREVIEW[1])
    html = _wants_html()
    try:
        _names(partner, dataset)
        body, content_type, name = _body()
        with _partner().slot():
            checked, kind = imports.check(_engine(), body, content_type, partner, dataset, limits=_partner().limits, name=name)
    except UploadRefused as e:
        if not html:
            raise
        return render_template("partner/validate.html", report=None, kinds=KINDS, error=e, upload=None), e.status
    if html:
        return render_template("partner/validate.html", report=checked.report, kinds=KINDS, error=None,
                               upload={"name": name, "kind": kind, "groups": _groups(checked.report)})
    return _json({"conforms": checked.report.conforms, "format": kind.media_type, **checked.report.to_json()})


def _wants_html() -> bool:
    if request.mimetype == "multipart/form-data" and "json" not in request.args.get("format", ""):
        best = request.accept_mimetypes.best_match(["text/html", "application/json"])
        return best != "application/json"
    return False


def _groups(report) -> list[tuple[str, list]]:
    groups: dict[str, list] = {}
    for r in report.results:
        groups.setdefault(r.focus_node, []).append(r)
    return sorted(groups.items())


@bp.app_template_global("report_link")
def report_link(iri: str | None, resolves) -> str | None:
    """The app's page for an IRI in a report, when lemap has it (only http(s) IRIs ever become links)."""
    from webapp.workbench import entity_page

    if not iri or iri not in resolves:
        return None
    return entity_page(iri)


# --- /graphs -------------------------------------------------------------------------------------------


def _authorise(partner: str) -> None:
    """401 without a valid token, 403 with another partner's."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise UploadRefused(401, "send Authorization: Bearer <token>; an administrator makes one with `lemap token create PARTNER`")
    owner = _partner().tokens.partner_for(token.strip())
    if owner is None:
        raise UploadRefused(401, "the bearer token is not valid: it is unknown or was revoked")
    if owner != partner:
        raise UploadRefused(403, f"this token belongs to partner {owner!r}: it cannot change the graphs of {partner!r}")


@bp.route("/graphs/<partner>/<dataset>", methods=["POST", "PUT"])
def write(partner: str, dataset: str):
    """Add to (POST) or replace (PUT) a partner's dataset, all or nothing."""
    _names(partner, dataset)
    _authorise(partner)
    body, content_type, _ = _body()
    graph = imports.graph_iri(partner, dataset)
    with _partner().slot():
        result = imports.import_upload(_engine(), _partner().locks, body, content_type, partner, dataset,
                                       replace=request.method == "PUT", limits=_partner().limits)
    p = result.provenance
    page = request.script_root + "/" + graph.removeprefix(_base())
    answer = {"graph": graph, "page": page, "triples": p.triples, "created": p.created, "modified": p.modified,
              "sha256": p.sha256, "format": p.media_type, "replaced": result.replaced, "report": result.report.to_json()}
    return _json(answer, 201 if result.new else 200, {"Location": page})


@bp.delete("/graphs/<partner>/<dataset>")
def delete(partner: str, dataset: str):
    """Remove a partner's dataset and its provenance."""
    _names(partner, dataset)
    _authorise(partner)
    graph = imports.graph_iri(partner, dataset)
    with _partner().locks.hold(graph):
        if imports.created_at(_engine(), graph) is None and graph not in _engine().graphs():
            raise UploadRefused(404, f"there is no dataset {dataset!r} of partner {partner!r}")
        _engine().drop_graph(graph)
    return _json({"graph": graph, "deleted": True})


@bp.get("/graphs/<partner>/<dataset>")
def dataset_page(partner: str, dataset: str):
    """A dataset's address for imports is also a way to its description."""
    _names(partner, dataset)
    return redirect(request.script_root + "/graph/partner/" + f"{partner}/{dataset}", 303)


@bp.get("/graphs")
def graphs():
    """Every named graph with its provenance, as HTML or JSON."""
    rows = _graph_rows()
    if request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json" or request.args.get("format") == "json":
        return _json({"graphs": rows})
    return render_template("partner/graphs.html", graphs=rows)


def partner_links(graphs) -> list[dict[str, str]]:
    """Partner datasets as ``{"name", "url", "iri"}``: ``npu/trainings``, the page of its graph
    (``/graph/partner/npu/trainings``) and the graph's IRI, for the views that mark partner facts."""
    return [{"name": dataset_name(g), "url": f"{request.script_root}/graph/partner/{dataset_name(g)}", "iri": g}
            for g in graphs]


def _graph_rows() -> list[dict]:
    rows = _engine().query(queries.get_query("graph-provenance").text).records()
    base = _base()
    for row in rows:
        row["triples"] = int(row["triples"] or 0)
        row["name"] = row["graph"].removeprefix(GRAPH_BASE)
        row["page"] = request.script_root + "/" + row["graph"].removeprefix(base) if row["graph"].startswith(base) else None
    return rows


def _base() -> str:
    base = current_app.config.get("LEMAP_BASE_IRI") or "https://w3id.org/lemap/"
    return base if base.endswith("/") else base + "/"


# --- the CSV template ----------------------------------------------------------------------------------


@bp.get("/templates/activities.csv")
def template():
    """The activities CSV template: its header and one example row."""
    return Response(csvtemplate.template_csv(), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="activities.csv"',
                             "Link": '<activities.csv-metadata.json>; rel="describedby"; type="application/csvm+json"'})


@bp.get("/templates/activities.csv-metadata.json")
def template_metadata():
    """The template's CSVW metadata."""
    return Response(json.dumps(csvtemplate.csvw_metadata(), indent=1), content_type="application/csvm+json")
