"""What every linked-data page shares: the blueprint, its per-app caches, lemap's base IRI, links and schema.org for templates."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from flask import Blueprint, Response, current_app, render_template, request
from markupsafe import Markup

from lemap_graph import dataset, describe, formats
from lemap_graph.queries import compact

bp = Blueprint("linked_data", __name__)

#: This blueprint's entries in the site navigation (see webapp.workbench.site_nav).
bp.nav = (("/id/", "Browse"), ("/ontology", "Vocabulary"), ("/catalog", "Data"))

# -------------------------------------------------------------------------------- app-wide state


@dataclass
class _Cache:
    """Per-app caches of generated documents, dropped when the store's version changes."""

    dumps: dataset.DumpCache = field(default_factory=dataset.DumpCache)
    version: str | None = None
    pages: dict[str, Any] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, key: str, version: str, make: Callable[[], Any]) -> Any:
        """The document ``key`` of this store version, made once."""
        with self.lock:
            if version != self.version:
                self.version, self.pages = version, {}
            if key not in self.pages:
                self.pages[key] = make()
            return self.pages[key]


@bp.record_once
def _setup(state) -> None:
    state.app.extensions["linked_data"] = _Cache()


def _cache() -> _Cache:
    return current_app.extensions["linked_data"]


def _state():
    return current_app.extensions["lemap"]


def _run() -> describe.Runner:
    return describe.engine_runner(_state().engine)


def _version() -> str:
    return str(_state().engine.version)


def base_iri() -> str:
    """The base of lemap's IRIs (``LEMAP_BASE_IRI``), ending in ``/``."""
    base = current_app.config.get("LEMAP_BASE_IRI") or "https://w3id.org/lemap/"
    return base if base.endswith("/") else base + "/"


def _site() -> dataset.Site:
    return dataset.Site(base_iri())

def _html(template: str, status: int = 200, **context) -> Response:
    context.setdefault("href", _href)
    context.setdefault("curie", compact)
    return Response(render_template(f"linked_data/{template}", **context), status=status, mimetype="text/html")

# ---------------------------------------------------------------------------------- templates


def _href(iri: str) -> str | None:
    """Where a link to ``iri`` goes: this app's page for lemap's IRIs, the IRI itself when its scheme is
    safe (http, https, mailto), else None: the page shows it as text."""
    path = describe.local_path(iri, base_iri())
    if path:
        return request.script_root + path
    return iri if describe.safe_link(iri) else None


@bp.app_template_global("link_to")
def link_to(iri: str) -> str | None:
    """:func:`_href` for every page's templates (None: show the IRI as text, never as a link)."""
    return _href(iri)


@bp.app_template_filter("ld_json")
def ld_json(data: Any) -> Markup:
    """Data as JSON for a ``<script type="application/ld+json">``: ``<``, ``>``, ``&`` are escaped as ``\\u003c`` …"""
    return Markup(describe.script_json(data))


@bp.app_template_global("page_schema")
def page_schema(title: str) -> dict:
    """schema.org JSON-LD every page carries: a ``WebPage`` that is part of lemap's ``Dataset``."""
    return {
        "@context": "https://schema.org",
        "@type": "WebPage",
        "name": title,
        "url": request.base_url,
        "isPartOf": {k: v for k, v in _dataset_schema().items() if k != "@context"},
    }


def _dataset_schema() -> dict:
    """schema.org ``Dataset`` JSON-LD for pages that are not about one entity."""
    site = _site()
    root = request.host_url.rstrip("/") + request.script_root
    return {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "@id": site.dataset,
        "name": dataset.TITLE,
        "description": dataset.DESCRIPTION,
        "url": root + "/catalog",
        "license": dataset.LICENSE,
        "keywords": list(dataset.KEYWORDS),
        "temporalCoverage": "2013/2021",
        "isBasedOn": {"@type": "Report", "@id": dataset.REPORT_IRI, "name": dataset.SOURCE_TITLE},
        "creator": {"@type": "Organization", "name": "lemap project"},
        "distribution": [
            {"@type": "DataDownload", "encodingFormat": formats.find(n).media_type,
             "contentUrl": f"{root}/dump/lemap.{formats.find(n).extension}"}
            for n in dataset.DUMP_FORMATS
        ],
    }
