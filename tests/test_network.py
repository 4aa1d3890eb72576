"""The partnership network: graphs from query rows, exact metrics on a hand-built network, filters,
exports that read back into the same graph, the web APIs and the view, and the curated data's centre."""

from __future__ import annotations

import argparse
import io
import json
from fractions import Fraction
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest

from browser import app_over

from bench import synthetic_network
from lemap_graph import network as nw
from lemap_graph.cli import add_network_command
from lemap_graph.store import Source, build_store

ROOT = Path(__file__).resolve().parent.parent
ORG = "https://w3id.org/lemap/id/organisation/"
ACT = "https://w3id.org/lemap/id/activity/"
A, B, C, D, E = (ORG + x for x in "abcde")
BACKENDS = ["networkx", "igraph"]

# Five organisations (b is a unit of a) and five activities. Activities a1–a4 make the triangle
# a–b–c (a–b shared twice) and the chain c–d–e; a6 is only planned, so it counts only with status=all.
NETWORK_TTL = """
@prefix act: <https://w3id.org/lemap/id/activity/> .
@prefix akind: <https://w3id.org/lemap/id/activity-kind/> .
@prefix country: <https://w3id.org/lemap/id/country/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix ex: <https://w3id.org/lemap/id/excerpt/> .
@prefix lm: <https://w3id.org/lemap/ontology#> .
@prefix okind: <https://w3id.org/lemap/id/organisation-kind/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix orgn: <https://w3id.org/lemap/id/organisation/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix region: <https://w3id.org/lemap/id/region/> .
@prefix schema: <https://schema.org/> .
@prefix section: <https://w3id.org/lemap/id/section/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix status: <https://w3id.org/lemap/id/status/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

orgn:a a org:FormalOrganization ; skos:prefLabel "Agency A"@en ; skos:altLabel "AAA"@en ; lm:organisationKind okind:ministry .
orgn:b a org:OrganizationalUnit ; skos:prefLabel "Bureau B of Agency A"@en ; org:unitOf orgn:a ; lm:organisationKind okind:un-regional-office .
orgn:c a org:FormalOrganization ; skos:prefLabel "Coalition C"@en ; lm:organisationKind okind:network .
orgn:d a org:FormalOrganization ; skos:prefLabel "Department D"@en ; lm:organisationKind okind:police .
orgn:e a org:FormalOrganization ; skos:prefLabel "Experts E"@en .

country:UKR a lm:Country ; skos:prefLabel "Ukraine"@en ; lm:unodcRegion region:eeca .
country:MDA a lm:Country ; skos:prefLabel "Moldova"@en ; lm:unodcRegion region:eeca .
country:MAR a lm:Country ; skos:prefLabel "Morocco"@en ; lm:unodcRegion region:mena .

act:a1 a lm:Activity ; skos:prefLabel "Training one"@en ; lm:activityKind akind:training ; lm:status status:done ;
    schema:startDate "2015"^^xsd:gYear ; lm:country country:UKR ; schema:organizer orgn:a ; lm:partner orgn:b ;
    prov:wasDerivedFrom ex:a1 .
act:a2 a lm:Activity ; skos:prefLabel "Workshop two"@en ; lm:activityKind akind:workshop ; lm:status status:done ;
    schema:startDate "2016-05"^^xsd:gYearMonth ; lm:country country:UKR ; schema:organizer orgn:a ; lm:partner orgn:b ;
    schema:funder orgn:c .
act:a3 a lm:Activity ; skos:prefLabel "Training three"@en ; lm:activityKind akind:training ; lm:status status:in-progress ;
    schema:startDate "2018-03-01"^^xsd:date ; lm:country country:MDA ; schema:organizer orgn:c ; schema:attendee orgn:d .
act:a4 a lm:Activity ; skos:prefLabel "Meeting four"@en ; lm:activityKind akind:meeting ; lm:status status:done ;
    schema:startDate "2019"^^xsd:gYear ; lm:country country:MAR ; schema:organizer orgn:d ; lm:partner orgn:e .
act:a6 a lm:Activity ; skos:prefLabel "Planned meeting six"@en ; lm:activityKind akind:meeting ; lm:status status:planned ;
    schema:startDate "2020"^^xsd:gYear ; schema:organizer orgn:a ; lm:partner orgn:e .

ex:a1 a lm:Excerpt ; prov:value "Agency A and its Bureau B held a training in 2015." ; dcterms:isPartOf section:eeca .
"""


def network_store() -> ox.Store:
    """The SKOS schemes (for the facets) and :data:`NETWORK_TTL`."""
    store = ox.Store()
    schemes = sorted((ROOT / "ontology" / "schemes").glob("*.ttl"))
    build_store(store, [Source(p, p.relative_to(ROOT).as_posix()) for p in schemes])
    store.load(NETWORK_TTL.encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode("https://w3id.org/lemap/graph/test"))
    return store


@pytest.fixture(scope="module")
def store() -> ox.Store:
    return network_store()


@pytest.fixture(scope="module")
def data(store) -> nw.NetworkData:
    return nw.data_from_store(store)


def edges(G: nx.Graph) -> dict[frozenset, int]:
    return {frozenset((a, b)): w for a, b, w in G.edges(data="weight")}


# ---------------------------------------------------------------- rows → data → graphs


def test_rows_become_activities_and_organisations(data) -> None:
    a2 = data.activities[ACT + "a2"]
    assert (a2.year, a2.status, a2.label) == (2016, "done", "Workshop two")
    assert a2.roles == ((A, "organiser"), (B, "partner"), (C, "funder"))
    assert data.activities[ACT + "a3"].year == 2018  # from an xsd:date
    assert data.activities[ACT + "a4"].regions == {"https://w3id.org/lemap/id/region/mena"}
    assert data.organisations[A].short == "AAA" and data.organisations[B].parent == A
    assert data.organisations[E].kinds == ()
    assert "https://w3id.org/lemap/id/region/eeca" in data.facets["region"]


def test_organisation_graph_links_organisations_that_share_activities(data) -> None:
    G = nw.build_graph(data, nw.Filters())
    assert sorted(G) == [A, B, C, D, E]
    assert edges(G) == {frozenset((A, B)): 2, frozenset((A, C)): 1, frozenset((B, C)): 1,
                        frozenset((C, D)): 1, frozenset((D, E)): 1}
    assert G.edges[A, B]["activities"] == [ACT + "a1", ACT + "a2"]
    assert G.nodes[C]["roles"] == {"funder": 1, "organiser": 1}
    assert G.nodes[A]["short"] == "AAA" and G.nodes[C]["short"] == "Coalition C"


@pytest.mark.parametrize("backend", BACKENDS)
def test_metrics_on_the_hand_built_network_are_exact(data, backend: str) -> None:
    net = nw.build_network(data, nw.Filters(), backend=backend)
    nodes = net.graph.nodes
    assert {v: nodes[v]["degree"] for v in nodes} == {A: 2, B: 2, C: 3, D: 2, E: 1}
    assert {v: nodes[v]["weighted_degree"] for v in nodes} == {A: 3, B: 3, C: 3, D: 2, E: 1}
    # c lies on the shortest paths a–d, a–e, b–d, b–e; d on a–e, b–e, c–e; normalised by (n-1)(n-2)/2 = 6
    assert {v: nodes[v]["betweenness"] for v in nodes} == {A: 0.0, B: 0.0, C: round(4 / 6, 10), D: 0.5, E: 0.0}
    expected = exact_pagerank(net.graph)
    for v in nodes:
        assert nodes[v]["pagerank"] == pytest.approx(float(expected[v]), abs=1e-9)
    assert sum(nodes[v]["pagerank"] for v in nodes) == pytest.approx(1.0, abs=1e-9)
    assert {v: nodes[v]["community"] for v in nodes} == {A: 0, B: 0, C: 0, D: 1, E: 1}
    assert net.graph.graph["communities"] == 2
    assert net.ranked("betweenness")[:2] == [C, D]
    assert net.partners(A) == [(B, 2), (C, 1)]


def exact_pagerank(G: nx.Graph, alpha: Fraction = Fraction(85, 100)) -> dict[str, Fraction]:
    """Weighted PageRank solved exactly: r = (1-α)/n + α Σ_u r_u w_uv / s_u, by Gauss–Jordan on fractions."""
    nodes = sorted(G)
    n = len(nodes)
    strength = {v: sum(Fraction(w) for _, _, w in G.edges(v, data="weight")) for v in nodes}
    rows = []
    for v in nodes:
        row = [Fraction(int(u == v)) - alpha * Fraction(G.edges[u, v]["weight"] if G.has_edge(u, v) else 0) / strength[u]
               for u in nodes]
        rows.append(row + [(1 - alpha) / n])
    for i in range(n):
        pivot = next(r for r in range(i, n) if rows[r][i] != 0)
        rows[i], rows[pivot] = rows[pivot], rows[i]
        rows[i] = [x / rows[i][i] for x in rows[i]]
        for r in range(n):
            if r != i and rows[r][i] != 0:
                rows[r] = [x - rows[r][i] * y for x, y in zip(rows[r], rows[i])]
    return {v: rows[i][n] for i, v in enumerate(nodes)}


def test_the_backends_agree_on_a_larger_synthetic_network() -> None:
    store = ox.Store()
    store.extend(synthetic_network.synthetic_quads(organisations=60, activities=150, seed=3))
    data = nw.data_from_store(store)
    a = nw.build_network(data, nw.Filters(), backend="networkx").graph
    b = nw.build_network(data, nw.Filters(), backend="igraph").graph
    for v in a:
        assert a.nodes[v]["betweenness"] == pytest.approx(b.nodes[v]["betweenness"], abs=1e-9)
        assert a.nodes[v]["pagerank"] == pytest.approx(b.nodes[v]["pagerank"], abs=1e-8)


def test_sampled_betweenness_is_stable_and_says_so() -> None:
    G = nx.barbell_graph(30, 3)  # two cliques joined by the path 30–31–32: 31 is the bridge
    first, how = nw.betweenness(G, backend="networkx", exact_work=20_000)
    second, _ = nw.betweenness(G, backend="networkx", exact_work=20_000)
    assert how == "sampled (networkx, k=22, seed=0)"
    assert first == second
    exact, how_exact = nw.betweenness(G, backend="networkx")
    assert how_exact == "exact" and max(exact, key=exact.get) == 31
    assert max(first, key=first.get) in range(29, 34)  # the estimate finds the bridge (29–33 are cut vertices)
    # igraph does the same work 50 times faster, so it samples only past 50 times the limit
    fast, how_fast = nw.betweenness(G, backend="igraph", exact_work=400)
    assert how_fast == "sampled (igraph, k=22, seed=0)" and fast == nw.betweenness(G, backend="igraph", exact_work=400)[0]
    assert max(fast, key=fast.get) in range(29, 34)
    assert nw.betweenness(G, backend="igraph", exact_work=20_000)[1] == "exact (igraph)"


def test_louvain_is_seeded(data) -> None:
    G = nx.connected_caveman_graph(6, 5)
    runs = {json.dumps(nw.communities(G)) for _ in range(3)}
    assert len(runs) == 1 and len(json.loads(runs.pop())) == 6


# ---------------------------------------------------------------- filters


@pytest.mark.parametrize(
    ("args", "nodes", "weights"),
    [
        ({"from": ["2016"], "to": ["2018"]}, [A, B, C, D], {(A, B): 1, (A, C): 1, (B, C): 1, (C, D): 1}),
        ({"region": ["mena"]}, [D, E], {(D, E): 1}),
        ({"region": ["global"], "status": ["all"]}, [A, E], {(A, E): 1}),
        ({"kind": ["training"]}, [A, B, C, D], {(A, B): 1, (C, D): 1}),
        ({"role": ["organiser", "funder"]}, [A, C, D], {(A, C): 1}),
        ({"status": ["all"]}, [A, B, C, D, E], {(A, B): 2, (A, C): 1, (B, C): 1, (C, D): 1, (D, E): 1, (A, E): 1}),
        ({"rollup": ["1"]}, [A, C, D, E], {(A, C): 1, (C, D): 1, (D, E): 1}),
    ],
    ids=["years", "region", "global-region", "kind", "roles", "all-statuses", "rollup"],
)
def test_filters_select_activities_and_roles(data, args, nodes, weights) -> None:
    G = nw.build_graph(data, nw.parse_filters(args, data))
    assert sorted(G) == sorted(nodes)
    assert edges(G) == {frozenset(k): w for k, w in weights.items()}


def test_rollup_keeps_an_organisation_that_worked_only_with_its_own_unit(data) -> None:
    G = nw.build_graph(data, nw.Filters(rollup=True, kinds=(nw.LMID + "activity-kind/training",)))
    assert sorted(G) == [A, C, D] and G.nodes[A]["activities"] == [ACT + "a1"]


def test_country_and_activity_graphs_are_bipartite(data) -> None:
    G = nw.build_graph(data, nw.Filters(projection="countries"))
    ukr = "https://w3id.org/lemap/id/country/UKR"
    assert G.nodes[ukr]["type"] == "country" and G.nodes[ukr]["label"] == "Ukraine"
    assert G.edges[A, ukr]["weight"] == 2 and G.edges[C, ukr]["weight"] == 1
    assert nx.is_bipartite(G)
    H = nw.build_graph(data, nw.Filters(projection="activities"))
    assert sum(1 for _, t in H.nodes(data="type") if t == "activity") == 4
    assert H.edges[C, ACT + "a2"]["roles"] == ["funder"] and nx.is_bipartite(H)


def test_ego_network_to_depth_k(data) -> None:
    one = nw.build_network(data, nw.Filters(ego=A, depth=1))
    two = nw.build_network(data, nw.Filters(ego=A, depth=2))
    assert sorted(one.graph) == [A, B, C] and sorted(two.graph) == [A, B, C, D]
    assert one.graph.nodes[C]["betweenness"] == round(4 / 6, 10)  # metrics of the whole network
    with pytest.raises(KeyError, match="took part in no activity"):
        nw.build_network(data, nw.Filters(ego=E, kinds=(nw.LMID + "activity-kind/training",)))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"from": ["15"]}, "from: '15' is not a year"),
        ({"from": ["2019"], "to": ["2015"]}, "from: 2019 is after to: 2015"),
        ({"region": ["atlantis"]}, "region: unknown region 'atlantis' (known: central-asia"),
        ({"kind": ["picnic"]}, "kind: unknown activity-kind 'picnic'"),
        ({"role": ["boss"]}, "role: unknown role 'boss'"),
        ({"status": ["maybe"]}, "status: unknown status 'maybe'"),
        ({"graph": ["trees"]}, "graph: unknown graph 'trees'"),
        ({"rollup": ["perhaps"]}, "rollup: 'perhaps' is not a switch"),
        ({"ego": ["https://example.org/nobody"]}, "ego: no organisation"),
        ({"depth": ["9"]}, "depth: '9' is not a number of steps from 1 to 5"),
        ({"colour": ["red"]}, "unknown filter 'colour'"),
    ],
)
def test_bad_filters_say_what_is_wrong(data, args, message) -> None:
    with pytest.raises(ValueError) as e:
        nw.parse_filters(args, data)
    assert message in str(e.value)


def test_filters_round_trip_through_their_arguments(data) -> None:
    f = nw.parse_filters({"from": ["2015"], "region": ["eeca,mena"], "role": ["partner"], "status": ["all"],
                          "rollup": ["1"], "graph": ["countries"], "ego": ["orgn:a"], "depth": ["2"]}, data)
    assert f.ego == A and f.statuses == nw.STATUSES
    pairs: dict[str, list[str]] = {}
    for k, v in f.args():
        pairs.setdefault(k, []).append(v)
    assert nw.parse_filters(pairs, data) == f


# ---------------------------------------------------------------- exports


@pytest.mark.parametrize("projection", nw.PROJECTIONS)
def test_gexf_reads_back_into_the_same_graph(data, projection: str) -> None:
    net = nw.build_network(data, nw.Filters(projection=projection, rollup=True))
    back = nx.read_gexf(io.BytesIO(nw.to_gexf(net)))
    assert_same_graph(nw.flat_graph(net.graph), back, edge_ids=True)


@pytest.mark.parametrize("projection", nw.PROJECTIONS)
def test_graphml_reads_back_into_the_same_graph(data, projection: str) -> None:
    net = nw.build_network(data, nw.Filters(projection=projection))
    back = nx.read_graphml(io.BytesIO(nw.to_graphml(net)))
    assert_same_graph(nw.flat_graph(net.graph), back)
    assert back.graph["projection"] == projection


def test_node_link_json_reads_back_into_the_same_graph(data) -> None:
    net = nw.build_network(data, nw.Filters())
    doc = json.loads(nw.serialize_network(net, "json", data))
    back = nx.node_link_graph(doc, edges="edges", multigraph=False)
    assert_same_graph(net.graph, back)
    assert doc["activities"][ACT + "a3"] == {"label": "Training three", "year": 2018, "status": "in-progress",
                                             "kinds": ["training"], "countries": ["Moldova"],
                                             "partner_graphs": [], "partner_only": False}
    assert doc["graph"]["methods"]["betweenness"].startswith("exact")


def assert_same_graph(G: nx.Graph, back: nx.Graph, *, edge_ids: bool = False) -> None:
    """Same nodes, edges and attributes (floats to 1e-12); ``edge_ids``: ignore the ids GEXF gives edges."""
    assert sorted(back) == sorted(G)
    assert {frozenset(e) for e in back.edges()} == {frozenset(e) for e in G.edges()}
    for v in G:
        assert_same_attrs(dict(back.nodes[v]), dict(G.nodes[v]))
    for a, b in G.edges():
        attrs = dict(back.edges[a, b])
        if edge_ids:
            attrs.pop("id")
        assert_same_attrs(attrs, dict(G.edges[a, b]))


def assert_same_attrs(got: dict, want: dict) -> None:
    assert sorted(got) == sorted(want)
    for key, value in want.items():
        if isinstance(value, float) or isinstance(got[key], float):
            assert got[key] == pytest.approx(value, abs=1e-12), key
        else:
            assert got[key] == value, key


def test_flat_graph_keeps_what_gexf_cannot_hold_as_words() -> None:
    G = nx.Graph()
    G.add_node("x", roles={"partner": 2}, kinds=["k1", "k2"], parent=None)
    H = nw.flat_graph(G)
    assert H.nodes["x"] == {"roles": "partner=2", "kinds": "k1 k2"}


# ---------------------------------------------------------------- cache


def test_the_cache_computes_once_per_version(store) -> None:
    calls = []

    def load():
        calls.append(1)
        return nw.data_from_store(store)

    cache = nw.NetworkCache(load, maxsize=2)
    first = cache.network(1, nw.Filters())
    assert cache.network(1, nw.Filters()) is first and len(calls) == 1
    ego = cache.network(1, nw.Filters(ego=A))
    assert sorted(ego.graph) == [A, B, C] and len(calls) == 1
    assert cache.network(2, nw.Filters()) is not first and len(calls) == 2


# ---------------------------------------------------------------- the curated data


def test_unodc_is_the_most_central_organisation_and_leahn_its_partner(curated_store) -> None:
    data = nw.data_from_store(curated_store)
    unodc, leahn = ORG + "unodc", ORG + "leahn"
    for rollup in (False, True):
        net = nw.build_network(data, nw.Filters(rollup=rollup))
        for metric in ("degree", "weighted_degree", "betweenness", "pagerank"):
            assert net.ranked(metric)[0] == unodc, (rollup, metric)
        partners = dict(net.partners(unodc))
        assert leahn in partners and partners[leahn] == max(partners.values())


# ---------------------------------------------------------------- the command line


def run_command(argv: list[str], capsys) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="lemap")
    add_network_command(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["network", *argv])
    from lemap_graph import cli

    try:
        code = args.func(args)
    except cli.CLIError as e:
        code = e.code
        print(f"lemap network: error: {e}", file=__import__("sys").stderr)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_writes_gexf_graphml_and_json(tmp_path, capsys) -> None:
    store_arg = ["--store", str(tmp_path / "no-store")]
    code, _, err = run_command(["--format", "gexf", "-o", str(tmp_path / "n.gexf"), *store_arg], capsys)
    assert code == 0 and "nodes" in err
    gexf = nx.read_gexf(tmp_path / "n.gexf")
    code, _, _ = run_command(["-o", str(tmp_path / "n.graphml"), "--rollup", *store_arg], capsys)
    graphml = nx.read_graphml(tmp_path / "n.graphml")
    assert code == 0 and ORG + "unodc" in gexf and ORG + "unodc-roca" not in graphml
    code, out, _ = run_command(["--region", "eeca", "--from", "2015", *store_arg], capsys)
    assert code == 0 and json.loads(out)["graph"]["filters"] == {"from": "2015", "region": "eeca"}


def test_cli_names_a_bad_filter(tmp_path, capsys) -> None:
    code, out, err = run_command(["--region", "atlantis", "--store", str(tmp_path / "none")], capsys)
    assert code == 2 and out == "" and "--region: unknown region 'atlantis'" in err


# ---------------------------------------------------------------- the web app


@pytest.fixture(scope="module")
def app(store):
    with app_over(store) as app:
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


def test_api_json_is_node_link_with_metrics(client) -> None:
    r = client.get("/api/network.json")
    assert r.status_code == 200 and r.mimetype == "application/json"
    doc = r.get_json()
    nodes = {n["id"]: n for n in doc["nodes"]}
    assert sorted(nodes) == [A, B, C, D, E]
    assert nodes[C]["betweenness"] == round(4 / 6, 10) and nodes[A]["label"] == "Agency A"
    assert {(e["source"], e["target"]): e["weight"] for e in doc["edges"]}[(A, B)] == 2
    assert doc["graph"]["nodes"] == 5 and doc["graph"]["edges"] == 5


def test_api_takes_the_same_filters(client) -> None:
    doc = client.get("/api/network.json?region=eeca&role=organiser&role=funder&rollup=1").get_json()
    assert sorted(n["id"] for n in doc["nodes"]) == [A, C] and doc["graph"]["filters"]["role"] == ["organiser", "funder"]
    ego = client.get("/api/network.json", query_string={"ego": E, "depth": "2"}).get_json()
    assert sorted(n["id"] for n in ego["nodes"]) == [C, D, E]


@pytest.mark.parametrize("ext", ["gexf", "graphml"])
def test_api_exports_read_back(client, ext: str) -> None:
    r = client.get(f"/api/network.{ext}?kind=training")
    assert r.status_code == 200 and r.mimetype == nw.NETWORK_FORMATS[ext].media_type
    back = (nx.read_gexf if ext == "gexf" else nx.read_graphml)(io.BytesIO(r.data))
    assert sorted(back) == [A, B, C, D] and back.nodes[A]["degree"] == 1


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/api/network.json?region=atlantis", 400, "region: unknown region 'atlantis'"),
        ("/api/network.gexf?from=20x", 400, "from: '20x' is not a year"),
        ("/api/network.graphml?shape=round", 400, "unknown filter 'shape'"),
        (f"/api/network.json?kind=meeting&ego={A}", 404, "took part in no activity"),
        ("/api/network/activities.json", 400, "give one or more activities"),
        ("/api/network/activities.json?activity=https://example.org/x", 404, "no activity https://example.org/x"),
    ],
)
def test_api_errors_are_json_and_say_what(client, url: str, status: int, message: str) -> None:
    r = client.get(url)
    assert r.status_code == status and r.mimetype == "application/json"
    assert message in r.get_json()["error"]


def test_activities_api_gives_evidence_and_pages(client) -> None:
    doc = client.get("/api/network/activities.json", query_string={"activity": [ACT + "a1", ACT + "a2"]}).get_json()
    a1, a2 = doc["activities"]
    assert a1["page"] == "/id/activity/a1" and a1["year"] == 2015
    assert a1["evidence"] == [{"excerpt": "https://w3id.org/lemap/id/excerpt/a1", "page": "/id/excerpt/a1",
                               "section": "https://w3id.org/lemap/id/section/eeca",
                               "text": "Agency A and its Bureau B held a training in 2015."}]
    assert a2["evidence"] == []


def test_network_page_has_filters_table_and_query_links(client) -> None:
    r = client.get("/network?from=2016&size=betweenness&colour=community")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert 'id="network-canvas"' in html and "vendor/cytoscape/cytoscape.min.js" in html
    assert html.count('<tr data-id="') == 5  # a2–a4: a, b, c, d, e
    assert '<option value="betweenness" selected>' in html and 'value="2016"' in html
    assert "/q/network-participation" in html and "/sparql#query=" in html
    assert "/api/network.gexf?from=2016" in html
    config = json.loads(html.split('<script type="application/json" id="network-config">')[1].split("</script>")[0])
    assert config["size"] == "betweenness" and config["pageBase"] == "/id/"


def test_network_page_shows_a_bad_filter(client) -> None:
    r = client.get("/network?region=atlantis")
    assert r.status_code == 400 and "unknown region" in r.get_data(as_text=True)


def test_labels_are_escaped(app) -> None:
    store = ox.Store()
    store.load(
        b'<https://w3id.org/lemap/id/organisation/x> a <http://www.w3.org/ns/org#FormalOrganization> ;'
        b' <http://www.w3.org/2004/02/skos/core#prefLabel> "<script>alert(1)</script>" .'
        b'<https://w3id.org/lemap/id/activity/y> a <https://w3id.org/lemap/ontology#Activity> ;'
        b' <https://schema.org/organizer> <https://w3id.org/lemap/id/organisation/x> .',
        format=ox.RdfFormat.TURTLE,
    )
    with app_over(store) as other:
        html = other.test_client().get("/network").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.embedded_only  # a store changed in place, then reloaded
def test_a_reloaded_store_gives_a_new_network(store) -> None:
    copy = ox.Store()
    copy.extend(store.quads_for_pattern(None, None, None, None))
    with app_over(copy) as app:
        client = app.test_client()
        assert len(client.get("/api/network.json").get_json()["nodes"]) == 5
        copy.remove_graph(ox.NamedNode("https://w3id.org/lemap/graph/test"))
        app.extensions["lemap"].reload()
        assert client.get("/api/network.json").get_json()["nodes"] == []


def test_network_page_of_an_ego_network(client) -> None:
    r = client.get("/network", query_string={"ego": C, "depth": "1"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Ego network of" in html and ">Coalition C</a>" in html
    assert html.count('<tr data-id="') == 4 and "not of the ego network alone" in html
