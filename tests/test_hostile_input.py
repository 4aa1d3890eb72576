"""Hostile input on every route: whatever a stranger sends, the answer is a 2xx/3xx/4xx, never a 500.

Each GET route of the app is called with its path variables and every query-string argument its
pages read set to values chosen to break things: markup, NUL bytes, very long strings, bad percent
encodings, IRIs of other schemes, SPARQL fragments. The routes come from the app's URL map, so a new
route is covered without editing this file.
"""

from __future__ import annotations

import re

import pytest

HOSTILE = (
    "<script>alert(1)</script>",
    "\x00",
    "%00%ff%fe",
    "x" * 5000,
    "../../etc/passwd",
    "javascript:alert(1)",
    "http://169.254.169.254/latest/meta-data/",
    "} SERVICE <http://127.0.0.1:9/> { ?s ?p ?o }",
    "\" ; DROP ALL ; #",
    "-1",
    "99999999999999999999",
    "ñ😀",
    "",
)

#: Arguments the pages read (filters, parameters, formats): each one gets every hostile value.
ARGUMENTS = ("query", "format", "region", "stage", "status", "year", "from", "to", "kind", "role", "rollup",
             "graph", "ego", "depth", "metric", "colour", "country", "name", "code", "iri", "sort", "q",
             "default-graph-uri", "named-graph-uri", "a", "b", "source", "target", "organisation")

_VARIABLE = re.compile(r"<(?:(?P<conv>[a-z]+)(?:\([^)]*\))?:)?(?P<name>\w+)>")


def _paths(app) -> list[str]:
    """Every GET route with its variables filled by a plausible value and by hostile ones."""
    paths = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        choices = {m.group(0): _values_for(rule, m) for m in _VARIABLE.finditer(rule.rule)}
        path = rule.rule
        for var, values in choices.items():
            path = path.replace(var, "{" + var + "}")
        for i in range(max((len(v) for v in choices.values()), default=1)):
            filled = path
            for var, values in choices.items():
                filled = filled.replace("{" + var + "}", values[i % len(values)])
            paths.add(filled)
    return sorted(paths)


def _values_for(rule, match) -> list[str]:
    if match.group("conv") == "any":
        options = re.search(r"any\(([^)]*)\)", match.group(0)).group(1)
        return [o.strip() for o in options.split(",")]
    return ["countries", "AFG", "country/AFG", "%3Cscript%3E", "..%2F..%2Fetc", "x" * 300, "ñ", "%00"]


@pytest.fixture(scope="module")
def paths(curated_app):
    return _paths(curated_app)


def test_every_get_route_is_covered(paths):
    assert any(p.startswith("/adoption") for p in paths) and any(p.startswith("/id/") for p in paths)
    assert any(p.startswith("/api/network") for p in paths) and any(p.startswith("/q/") for p in paths)


@pytest.mark.parametrize("value", HOSTILE, ids=lambda v: repr(v[:20]))
def test_hostile_arguments_never_make_a_server_error(curated_client, paths, value):
    failures = []
    for path in paths:
        for accept in ("text/html", "*/*"):
            r = curated_client.get(path, query_string={a: value for a in ARGUMENTS}, headers={"Accept": accept})
            if r.status_code >= 500 and r.status_code != 503:
                failures.append((path, accept, r.status_code, r.get_data(as_text=True)[:200]))
    assert not failures, failures


def test_hostile_paths_never_make_a_server_error(curated_client):
    for path in ("/id/" + "a/" * 300, "/id/%00", "/id/country/AFG%0d%0aSet-Cookie:x=1", "/q/%3Cscript%3E.json",
                 "/adoption/%00.json", "/dump/lemap.exe", "/ontology/..%2F..%2Fetc%2Fpasswd", "/context/%00.jsonld"):
        r = curated_client.get(path)
        assert r.status_code < 500, (path, r.status_code)
        assert "Set-Cookie" not in r.headers, path


def test_markup_in_arguments_comes_back_escaped(curated_client, paths):
    for path in paths:
        r = curated_client.get(path, query_string={a: "<script>alert(1)</script>" for a in ARGUMENTS},
                               headers={"Accept": "text/html"})
        if r.mimetype == "text/html":
            assert "<script>alert(1)</script>" not in r.get_data(as_text=True), path


@pytest.mark.parametrize("path", ["/", "/sparql", "/q/", "/adoption", "/network", "/id/country/AFG", "/catalog"])
def test_html_pages_forbid_scripts_from_anywhere_but_the_app(curated_client, path):
    r = curated_client.get(path, headers={"Accept": "text/html"})
    assert r.mimetype == "text/html"
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
