"""Partner imports over HTTP: the 401/403/400/413/415/422 matrix, all or nothing, owners only, provenance,
serialised concurrent imports, a restart keeping every graph, and kill -9 in the middle leaving no trace."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from browser import app_over, web_sources
from lemap_graph.store import build_store

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "partner"
ROOT = Path(__file__).resolve().parent.parent
LABELS = (FIXTURES / "labels.nt").read_bytes()  # conforms under any version of the shapes
GRAPH = "https://w3id.org/lemap/graph/partner/{}/{}"
NT = "application/n-triples"


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def graph_rows(client) -> dict[str, dict]:
    return {g["graph"]: g for g in client.get("/graphs", headers={"Accept": "application/json"}).json["graphs"]}


def triples_of(client, graph: str) -> set[str]:
    body = client.get("/graph/" + graph.split("/graph/", 1)[1], headers={"Accept": NT}).data.decode()
    return {line for line in body.splitlines() if line.strip()}


def note(i: int) -> bytes:
    return f'<https://w3id.org/lemap/id/place/kyiv> <http://www.w3.org/2004/02/skos/core#hiddenLabel> "Kyiv {i}"@en .\n'.encode()


# --- the matrix -----------------------------------------------------------------------------------


def test_no_token_is_401(partner_app) -> None:
    response = partner_app.test_client().put("/graphs/npu/a", data=LABELS, content_type=NT)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Authorization: Bearer" in response.json["message"]


@pytest.mark.parametrize("header", ["Bearer not-a-token", "Basic bnB1OnB3", "Bearer ", "bearer"])
def test_a_bad_token_is_401(partner_app, header: str) -> None:
    response = partner_app.test_client().put("/graphs/npu/a", data=LABELS, content_type=NT, headers={"Authorization": header})
    assert response.status_code == 401 and response.json["message"]


def test_a_revoked_token_is_401(partner_app) -> None:
    from lemap_graph.partner.tokens import TokenStore

    token = partner_app.token("revoked")
    TokenStore(partner_app.config["LEMAP_TOKENS"]).revoke("revoked")
    response = partner_app.test_client().put("/graphs/revoked/a", data=LABELS, content_type=NT, headers=bearer(token))
    assert response.status_code == 401 and "revoked" in response.json["message"]


def test_another_partners_token_is_403_for_every_method(partner_app) -> None:
    client = partner_app.test_client()
    owner, other = partner_app.token("owner"), partner_app.token("intruder")
    assert client.put("/graphs/owner/kept", data=LABELS, content_type=NT, headers=bearer(owner)).status_code == 201
    for method in ("put", "post", "delete"):
        response = getattr(client, method)("/graphs/owner/kept", data=note(1), content_type=NT, headers=bearer(other))
        assert response.status_code == 403 and "'intruder'" in response.json["message"]
    assert triples_of(client, GRAPH.format("owner", "kept")) == set(LABELS.decode().splitlines())


def test_bad_names_unparsable_bodies_and_limits(partner_app) -> None:
    client = partner_app.test_client()
    token = partner_app.token("npu")
    assert client.put("/graphs/NPU!/a", data=LABELS, content_type=NT, headers=bearer(token)).status_code == 400
    broken = client.put("/graphs/npu/a", data=b'<http://example.org/a> <http://example.org/p> "x" .\n<http://example.org/b> oops .\n',
                        content_type=NT, headers=bearer(token))
    assert broken.status_code == 400 and broken.json["line"] == 2 and broken.json["column"]
    assert client.put("/graphs/npu/a", data=LABELS, content_type="application/pdf", headers=bearer(token)).status_code == 415
    assert client.put("/graphs/npu/a", data=LABELS, headers=bearer(token)).status_code == 415
    assert client.put("/graphs/npu/a", data=b" " * 10_000_001, content_type=NT, headers=bearer(token)).status_code == 413
    assert GRAPH.format("npu", "a") not in graph_rows(client)


def test_non_conforming_data_is_422_with_the_report_and_nothing_is_stored(partner_app) -> None:
    client = partner_app.test_client()
    token = partner_app.token("npu")
    graph = GRAPH.format("npu", "atomic")
    assert client.put("/graphs/npu/atomic", data=LABELS, content_type=NT, headers=bearer(token)).status_code == 201
    before = triples_of(client, graph), graph_rows(client)[graph]
    bad = b"""@prefix lm: <https://w3id.org/lemap/ontology#> .
<activity/unlabelled> a lm:Activity ; lm:country <https://w3id.org/lemap/id/place/kyiv> .
<https://w3id.org/lemap/id/place/kyiv> <http://www.w3.org/2004/02/skos/core#altLabel> "Kiev (partner)"@en .
"""
    for method in ("put", "post"):
        response = getattr(client, method)("/graphs/npu/atomic", data=bad, content_type="text/turtle", headers=bearer(token))
        assert response.status_code == 422
        report = response.json["report"]
        assert report["conforms"] is False
        shapes = {(r["focus_node"].rsplit("/", 1)[1], r["source_shape"].rsplit("#", 1)[1]) for r in report["results"]}
        assert ("unlabelled", "ActivityShape-prefLabel") in shapes and ("unlabelled", "ActivityShape-country") in shapes
        assert (triples_of(client, graph), graph_rows(client)[graph]) == before  # not one triple of it, not even the good one


def test_put_replaces_post_adds_delete_removes_with_provenance(partner_app) -> None:
    client = partner_app.test_client()
    token = partner_app.token("npu")
    graph = GRAPH.format("npu", "cycle")
    first = client.put("/graphs/npu/cycle", data=LABELS, content_type=NT, headers=bearer(token))
    assert first.status_code == 201 and first.headers["Location"].endswith("/graph/partner/npu/cycle")
    row = graph_rows(client)[graph]
    assert (row["origin"], row["partnerLabel"], row["triples"], row["format"]) == ("partner", "npu", 2, NT)
    assert row["sha256"] == hashlib.sha256(LABELS).hexdigest() and row["created"] == row["modified"]
    added = client.post("/graphs/npu/cycle", data=note(1), content_type=NT, headers=bearer(token))
    assert added.status_code == 200 and added.json["triples"] == 3 and graph_rows(client)[graph]["triples"] == 3
    assert graph_rows(client)[graph]["created"] == row["created"]
    replaced = client.put("/graphs/npu/cycle", data=note(2), content_type=NT, headers=bearer(token))
    assert replaced.json["triples"] == 1 and triples_of(client, graph) == {note(2).decode().strip()}
    assert graph_rows(client)[graph]["sha256"] == hashlib.sha256(note(2)).hexdigest()
    assert client.delete("/graphs/npu/cycle", headers=bearer(token)).status_code == 200
    assert graph not in graph_rows(client) and graph not in partner_app.extensions["lemap"].engine.graphs()
    assert client.delete("/graphs/npu/cycle", headers=bearer(token)).status_code == 404


def test_graphs_are_listed_and_described_as_html_and_rdf(partner_app) -> None:
    client = partner_app.test_client()
    token = partner_app.token("npu")
    assert client.put("/graphs/npu/listed", data=LABELS, content_type=NT, headers=bearer(token)).status_code in (200, 201)
    rows = graph_rows(client)
    assert {"report", "vocabulary", "partner"} <= {r["origin"] for r in rows.values()}
    html = client.get("/graphs").data.decode()
    assert "/graph/partner/npu/listed" in html and "/graph/data/triples/ukraine" in html
    page = client.get("/graph/partner/npu/listed")
    assert page.status_code == 200 and "npu" in page.data.decode() and hashlib.sha256(LABELS).hexdigest() in page.data.decode()
    turtle = client.get("/graph/partner/npu/listed", headers={"Accept": "text/turtle"})
    assert turtle.mimetype == "text/turtle"
    assert len(rdflib.Graph().parse(data=turtle.data, format="turtle")) == 2
    assert client.get("/graph/data/triples/ukraine?format=nt").mimetype == NT
    assert client.get("/graph/partner/npu/nothing", headers={"Accept": "text/turtle"}).status_code == 404
    assert client.get("/graphs/npu/listed").headers["Location"].endswith("/graph/partner/npu/listed")


def test_sparql_sees_partner_graphs_in_the_union_and_by_name(partner_app) -> None:
    client = partner_app.test_client()
    token = partner_app.token("npu")
    client.put("/graphs/npu/sparql", data=note(7), content_type=NT, headers=bearer(token))
    for query in ('ASK { <https://w3id.org/lemap/id/place/kyiv> ?p "Kyiv 7"@en }',
                  'ASK { GRAPH <https://w3id.org/lemap/graph/partner/npu/sparql> { ?s ?p "Kyiv 7"@en } }'):
        answer = client.post("/sparql", data=query, content_type="application/sparql-query",
                             headers={"Accept": "application/sparql-results+json"})
        assert answer.json["boolean"] is True


def test_concurrent_imports_to_one_graph_are_serialised(partner_app) -> None:
    """Eight POSTs at once: every triple lands, and the recorded count is the graph's real size (no lost update)."""
    token = partner_app.token("busy")
    statuses = []

    def post(i: int) -> None:
        response = partner_app.test_client().post("/graphs/busy/many", data=note(100 + i), content_type=NT, headers=bearer(token))
        statuses.append(response.status_code)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    client = partner_app.test_client()
    graph = GRAPH.format("busy", "many")
    assert sorted(statuses) == [200] * 7 + [201]
    assert triples_of(client, graph) == {note(100 + i).decode().strip() for i in range(8)}
    assert graph_rows(client)[graph]["triples"] == 8


# --- durability -----------------------------------------------------------------------------------


def on_disk_store(path: Path) -> None:
    store = ox.Store(str(path))
    build_store(store, web_sources())
    store.flush()
    del store


@pytest.mark.embedded_only  # the on-disk store reopened after a restart
def test_a_restart_keeps_every_graph(tmp_path: Path) -> None:
    path = tmp_path / "store"
    on_disk_store(path)
    tokens = str(tmp_path / "tokens.sqlite")
    store = ox.Store(str(path))
    with app_over(store, LEMAP_TOKENS=tokens) as app:
        from lemap_graph.partner.tokens import TokenStore

        token = TokenStore(tokens).create("npu")
        client = app.test_client()
        for dataset, body in (("one", LABELS), ("two", note(1))):
            assert client.put(f"/graphs/npu/{dataset}", data=body, content_type=NT, headers=bearer(token)).status_code == 201
        before = graph_rows(client)
    del store, app, client
    import gc

    gc.collect()  # release RocksDB's lock, as a stopped server does
    with app_over(ox.Store(str(path)), LEMAP_TOKENS=tokens) as app:
        client = app.test_client()
        assert graph_rows(client) == before
        assert triples_of(client, GRAPH.format("npu", "two")) == {note(1).decode().strip()}
        assert client.post("/graphs/npu/two", data=note(2), content_type=NT, headers=bearer(token)).status_code == 200


def test_kill_9_in_the_middle_of_an_import_leaves_no_partial_graph(tmp_path: Path) -> None:
    path = tmp_path / "store"
    on_disk_store(path)
    lemap = [sys.executable, "-m", "lemap_graph.cli"]
    first = subprocess.run([*lemap, "import", str(FIXTURES / "labels.nt"), "--partner", "npu", "--dataset", "earlier", "--store", str(path)],
                           cwd=ROOT, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    big = tmp_path / "big.nt"
    big.write_text("".join(f'<https://w3id.org/lemap/id/partner/npu/big/n{i}> <https://schema.org/name> "name {i}" .\n'
                           for i in range(40_000)))
    outcomes = set()
    for delay in (0.0, 0.05, 0.3):
        proc = subprocess.Popen([*lemap, "import", str(big), "--partner", "npu", "--dataset", "big", "--store", str(path)],
                                cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        for line in proc.stderr:
            if "writing" in line:
                break
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        store = ox.Store(str(path))
        graph = ox.NamedNode(GRAPH.format("npu", "big"))
        count = sum(1 for _ in store.quads_for_pattern(None, None, None, graph))
        meta = list(store.quads_for_pattern(graph, None, None, ox.NamedNode("https://w3id.org/lemap/graph/meta")))
        earlier = sum(1 for _ in store.quads_for_pattern(None, None, None, ox.NamedNode(GRAPH.format("npu", "earlier"))))
        del store
        assert count in (0, 40_000) and bool(meta) == bool(count), (delay, count, len(meta))
        assert earlier == 2
        outcomes.add(count)
        if count:
            drop = subprocess.run([sys.executable, "-c", f"import pyoxigraph as ox; from lemap_graph.store import drop_graph; "
                                   f"drop_graph(ox.Store({str(path)!r}), {graph.value!r})"], cwd=ROOT)
            assert drop.returncode == 0
    assert outcomes  # each run ended in one of the two whole states


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 4 MiB tmpfs mounted for the test (needs root, as in CI), unmounted after."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True).returncode != 0:
        pytest.skip("mounting a tmpfs needs root")
    yield mount
    import gc

    gc.collect()
    subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.mark.embedded_only  # the on-disk store on a full disk
def test_a_full_disk_fails_the_import_cleanly(small_disk: Path) -> None:
    path = small_disk / "store"
    on_disk_store(path)
    big = "".join(f'<https://w3id.org/lemap/id/partner/npu/big/n{i}> <https://schema.org/name> "{i} {"x" * 200}" .\n'
                  for i in range(20_000)).encode()
    tokens = str(small_disk.parent / "tokens.sqlite")
    from lemap_graph.partner.tokens import TokenStore

    token = TokenStore(tokens).create("npu")
    with app_over(ox.Store(str(path)), LEMAP_TOKENS=tokens, LEMAP_MAX_UPLOAD_BYTES=20_000_000) as app:
        client = app.test_client()
        assert client.put("/graphs/npu/small", data=LABELS, content_type=NT, headers=bearer(token)).status_code == 201
        response = client.put("/graphs/npu/big", data=big, content_type=NT, headers=bearer(token))
        assert response.status_code == 507, response.json
        assert "No space left" in response.json["message"] and "nothing was stored" in response.json["message"]
        assert triples_of(client, GRAPH.format("npu", "small")) == set(LABELS.decode().splitlines())
        assert GRAPH.format("npu", "big") not in graph_rows(client)
        assert client.get("/sparql?query=ASK%7B%7D", headers={"Accept": "application/sparql-results+json"}).json["boolean"]


def test_kill_9_of_the_server_during_an_import_leaves_no_partial_graph(tmp_path: Path) -> None:
    """The production server (granian, query workers, upload worker) killed as a group mid-import, then restarted."""
    import socket
    import urllib.error
    import urllib.request

    from lemap_graph.partner.tokens import TokenStore

    path = tmp_path / "store"
    on_disk_store(path)
    tokens = tmp_path / "tokens.sqlite"
    token = TokenStore(tokens).create("npu")
    big = "".join(f'<https://w3id.org/lemap/id/partner/npu/big/n{i}> <https://schema.org/name> "name {i}" .\n' for i in range(30_000)).encode()

    def start() -> tuple[subprocess.Popen, str]:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        code = f"from webapp.server import serve; serve('127.0.0.1', {port}, {str(path)!r})"
        proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, "LEMAP_TOKENS": str(tokens)},
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                with urllib.request.urlopen(base + "/sparql?query=ASK%7B%7D", timeout=5):
                    return proc, base
            except OSError:
                time.sleep(0.2)
        os.killpg(proc.pid, signal.SIGKILL)
        raise AssertionError("the server did not start")

    def put(base: str, dataset: str, body: bytes) -> int | None:
        request = urllib.request.Request(f"{base}/graphs/npu/{dataset}", data=body, method="PUT",
                                         headers={"Authorization": f"Bearer {token}", "Content-Type": NT})
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status
        except urllib.error.HTTPError as e:
            return e.code
        except OSError:
            return None  # the server was killed under it

    proc, base = start()
    assert put(base, "earlier", LABELS) == 201
    for delay in (2.0, 4.0):
        threading.Thread(target=put, args=(base, "big", big), daemon=True).start()
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGKILL)  # its own session: only what this test started
        proc.wait()
        proc, base = start()
        rows = json.loads(urllib.request.urlopen(urllib.request.Request(base + "/graphs", headers={"Accept": "application/json"})).read())
        graphs = {g["graph"]: g["triples"] for g in rows["graphs"]}
        assert graphs[GRAPH.format("npu", "earlier")] == 2
        assert graphs.get(GRAPH.format("npu", "big"), 0) in (0, 30_000), graphs
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


KYIV, MOI = "https://w3id.org/lemap/id/place/kyiv", "https://w3id.org/lemap/id/organisation/ukr-moi"
ALT = "http://www.w3.org/2004/02/skos/core#altLabel"
SAME_DATA = {
    "text/turtle": f'@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n<{KYIV}> skos:altLabel "Київ"@uk .\n<{MOI}> skos:altLabel "MVS"@uk .',
    "application/trig": f'<https://example.org/g> {{ <{KYIV}> <{ALT}> "Київ"@uk . }}\n{{ <{MOI}> <{ALT}> "MVS"@uk . }}',
    "application/n-quads": f'<{KYIV}> <{ALT}> "Київ"@uk <https://example.org/g> .\n<{MOI}> <{ALT}> "MVS"@uk .\n',
    "application/ld+json": json.dumps({"@context": "https://w3id.org/lemap/context/v1.jsonld", "@graph": [
        {"@id": "place:kyiv", "skos:altLabel": {"@value": "Київ", "@language": "uk"}},
        {"@id": "orgn:ukr-moi", "skos:altLabel": {"@value": "MVS", "@language": "uk"}}]}),
    "application/rdf+xml": f'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                           f'xmlns:skos="http://www.w3.org/2004/02/skos/core#">\n'
                           f'<rdf:Description rdf:about="{KYIV}"><skos:altLabel xml:lang="uk">Київ</skos:altLabel></rdf:Description>\n'
                           f'<rdf:Description rdf:about="{MOI}"><skos:altLabel xml:lang="uk">MVS</skos:altLabel></rdf:Description>\n</rdf:RDF>',
    NT: LABELS.decode(),
}


@pytest.mark.parametrize("media_type", sorted(SAME_DATA))
def test_every_rdf_format_imports_the_same_triples(partner_app, media_type: str) -> None:
    client = partner_app.test_client()
    token = partner_app.token("formats")
    body = SAME_DATA[media_type].encode()
    report = client.post("/validate", data=body, content_type=media_type).json
    assert report["conforms"] is True and report["triples"] == 2 and report["format"] == media_type
    dataset = media_type.split("/")[1].replace("+", "-").replace("ld-json", "jsonld")
    response = client.put(f"/graphs/formats/{dataset}", data=body, content_type=media_type, headers=bearer(token))
    assert response.status_code == 201, response.json
    assert triples_of(client, GRAPH.format("formats", dataset)) == set(LABELS.decode().splitlines())
    assert graph_rows(client)[GRAPH.format("formats", dataset)]["format"] == media_type


def test_the_meta_graph_is_described_too(partner_app) -> None:
    client = partner_app.test_client()
    token = partner_app.token("npu")
    client.put("/graphs/npu/meta-check", data=LABELS, content_type=NT, headers=bearer(token))
    meta = rdflib.Graph().parse(data=client.get("/graph/meta", headers={"Accept": "text/turtle"}).data, format="turtle")
    dataset = rdflib.URIRef(GRAPH.format("npu", "meta-check"))
    lm = rdflib.Namespace("https://w3id.org/lemap/ontology#")
    assert (dataset, rdflib.RDF.type, lm.PartnerDataset) in meta
    assert str(meta.value(dataset, lm.sha256)) == hashlib.sha256(LABELS).hexdigest()
    assert meta.value(dataset, rdflib.URIRef("http://www.w3.org/ns/prov#wasAttributedTo")) == rdflib.URIRef("https://w3id.org/lemap/id/partner/npu")
    assert client.get("/graph/meta").status_code == 200


def test_the_readme_walks_a_partner_through(partner_app) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## For partners", 1)[1].split("\n## ", 1)[0]
    for step in ("lemap token create", "/validate", "/templates/activities.csv", "activities.csv-metadata.json",
                 "Authorization: Bearer", "/graphs/npu/trainings", "/graph/partner/npu/trainings", "GRAPH <",
                 "401", "403", "413", "415", "422"):
        assert step in section, step
    client = partner_app.test_client()
    for path in ("/validate", "/templates/activities.csv", "/templates/activities.csv-metadata.json", "/graphs"):
        assert client.get(path).status_code == 200, path


def test_imports_to_one_graph_wait_for_each_other_across_processes(tmp_path: Path) -> None:
    """Several web processes over one store: the per-graph lock is also a file lock the other process must wait for."""
    from lemap_graph.partner.imports import GraphLocks

    graph = GRAPH.format("npu", "shared")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from pathlib import Path; from lemap_graph.partner.imports import GraphLocks\n"
         f"with GraphLocks(Path({str(tmp_path)!r})).hold({graph!r}):\n    print('held', flush=True); sys.stdin.readline()"],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    acquired = threading.Event()

    def take() -> None:
        with GraphLocks(tmp_path).hold(graph):
            acquired.set()

    waiter = threading.Thread(target=take)
    waiter.start()
    assert not acquired.wait(0.5)  # the other process holds it
    holder.stdin.write("\n")
    holder.stdin.flush()
    assert holder.wait(timeout=30) == 0
    waiter.join(timeout=30)
    assert acquired.is_set()
