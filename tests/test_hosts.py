"""The Host header: only trusted hosts are answered, and absolute URLs come from ``LEMAP_PUBLIC_URL`` when it is set.

The test client sends ``Host: localhost`` unless told otherwise.
"""

from __future__ import annotations

import json

import pytest
import rdflib
from flask import url_for

from browser import app_over
from webapp import create_app
from webapp.hosts import SettingError

PUBLIC = "https://lemap.example.org"


@pytest.fixture(scope="module")
def default_app(web_store):
    with app_over(web_store) as app:
        yield app


@pytest.fixture(scope="module")
def public_app(web_store):
    with app_over(web_store, LEMAP_PUBLIC_URL=PUBLIC + "/kg/") as app:
        yield app


@pytest.mark.parametrize("host", ["localhost", "localhost:5000", "127.0.0.1:8080", "[::1]:5000", "LocalHost"])
def test_the_default_trusted_hosts_are_answered(default_app, host) -> None:
    assert default_app.test_client().get("/", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "localhost.evil.example", "evil.example:5000", "127.0.0.2",
                                  "[::2]", "local host", "localhost/evil", "x" * 5000])
def test_any_other_host_gets_400_with_a_message(default_app, host) -> None:
    for path in ("/", "/sparql?query=ASK%7B%7D", "/id/country/AFG", "/static/no-such-file"):
        r = default_app.test_client().get(path, headers={"Host": host})
        assert r.status_code == 400 and r.mimetype == "application/json", (path, r.status_code)
        message = json.loads(r.get_data())["message"]
        assert "does not answer for the host" in message and "LEMAP_TRUSTED_HOSTS" in message
        assert len(message) < 400  # a long Host is cut, not echoed whole


def test_without_a_public_url_links_use_the_trusted_request_host(default_app) -> None:
    r = default_app.test_client().get("/id/country/AFG", headers={"Host": "127.0.0.1:5000", "Accept": "text/html"})
    assert r.status_code == 200 and "<http://127.0.0.1:5000/id/country/AFG.ttl>" in r.headers["Link"]


def test_the_trusted_hosts_setting_replaces_the_default(web_store) -> None:
    with app_over(web_store, LEMAP_TRUSTED_HOSTS="data.example, .mirror.example") as app:
        client = app.test_client()
        assert client.get("/", headers={"Host": "data.example"}).status_code == 200
        assert client.get("/", headers={"Host": "eu.mirror.example"}).status_code == 400  # no wildcard form
        assert client.get("/", headers={"Host": "localhost"}).status_code == 400


def test_with_a_public_url_every_absolute_link_uses_it(public_app) -> None:
    client = public_app.test_client()
    for host in ("localhost:5000", "127.0.0.1", "lemap.example.org"):
        r = client.get("/id/country/AFG", headers={"Host": host, "Accept": "text/html"})
        assert r.status_code == 200
        assert f"<{PUBLIC}/kg/id/country/AFG.ttl>" in r.headers["Link"]
        assert "localhost" not in r.headers["Link"] and "127.0.0.1" not in r.headers["Link"]


def test_the_service_description_names_the_public_endpoint(public_app) -> None:
    r = public_app.test_client().get("/sparql", headers={"Host": "localhost", "Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=r.get_data(as_text=True), format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    assert set(graph.objects(None, sd.endpoint)) == {rdflib.URIRef(PUBLIC + "/kg/sparql")}


def test_with_a_public_url_other_hosts_are_still_refused(public_app) -> None:
    r = public_app.test_client().get("/", headers={"Host": "evil.example"})
    assert r.status_code == 400 and "evil.example" in json.loads(r.get_data())["message"]


def test_url_for_builds_public_urls_outside_a_request(public_app) -> None:
    assert public_app.config["SERVER_NAME"] == "lemap.example.org"
    with public_app.app_context():
        assert url_for("sparql.endpoint", _external=True).startswith(PUBLIC + "/kg/sparql")


@pytest.mark.parametrize("bad", ["lemap.example.org", "ftp://lemap.example.org", "https://"])
def test_a_public_url_without_scheme_or_host_is_refused_at_start(web_store, bad) -> None:
    with pytest.raises(SettingError, match="LEMAP_PUBLIC_URL"):
        create_app({"TESTING": True, "LEMAP_WORKERS": 1, "LEMAP_PUBLIC_URL": bad}, store=web_store)
