"""The reconciliation service (/reconcile) on the curated data, checked against the specification's JSON Schemas.

Expected entities come from the curated data (data/triples/*.ttl); the schemas are the W3C
Entity Reconciliation Community Group's, API 0.2 (tests/fixtures/reconciliation/README.md).
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

SCHEMAS = Path(__file__).resolve().parent / "fixtures" / "reconciliation"
_SCHEMA_FILES = {p.name: json.loads(p.read_text()) for p in SCHEMAS.glob("*.json")}
_REGISTRY = Registry().with_resources(
    (contents["$id"], Resource.from_contents(contents, default_specification=DRAFT7)) for contents in _SCHEMA_FILES.values()
)


def check(schema: str, data) -> None:
    """Validate ``data`` against one of the specification's schemas (its $refs resolved among them)."""
    jsonschema.Draft7Validator(_SCHEMA_FILES[schema], registry=_REGISTRY).validate(data)


def reconcile(client, batch: dict, method: str = "post") -> dict:
    """Send a batch as OpenRefine does (POST form field ``queries``) or as a GET parameter; the parsed answer."""
    check("reconciliation-query-batch.json", batch)
    if method == "post":
        response = client.post("/reconcile", data={"queries": json.dumps(batch)})
    else:
        response = client.get("/reconcile?queries=" + quote(json.dumps(batch)))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    answer = response.get_json()
    check("reconciliation-result-batch.json", answer)
    assert set(answer) == set(batch)
    return answer


def best(client, query: str, **extra) -> dict:
    """The first candidate for one query."""
    result = reconcile(client, {"q0": {"query": query, **extra}})["q0"]["result"]
    assert result, f"no candidate for {query!r}"
    return result[0]


# --------------------------------------------------------------------------------- the manifest


@pytest.mark.parametrize(
    ("schema", "data"),
    [
        ("reconciliation-result-batch.json", {"q0": {"result": [{"id": "country/UKR", "name": "Ukraine"}]}}),
        ("reconciliation-result-batch.json", {"q0": {"result": [{"id": "x", "name": "y", "score": 1, "type": [{"name": "no id"}]}]}}),
        ("manifest.json", {"versions": ["0.1"], "name": "n", "identifierSpace": "i", "schemaSpace": "s"}),
        ("manifest.json", {"versions": ["0.2"], "name": "n", "identifierSpace": "i", "schemaSpace": "s", "defaultTypes": [{"id": "t"}]}),
        ("suggest-types-response.json", {"result": [{"id": "t", "name": "T", "broader": [{"id": "b"}]}]}),
        ("reconciliation-query-batch.json", {"q0": {"query": "x", "typo": 1}}),
    ],
)
def test_the_schemas_reject_what_the_specification_forbids(schema: str, data) -> None:
    with pytest.raises(jsonschema.ValidationError):
        check(schema, data)


def test_manifest_is_schema_valid_and_offers_every_service(curated_client) -> None:
    response = curated_client.get("/reconcile")
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    manifest = response.get_json()
    check("manifest.json", manifest)
    assert "0.2" in manifest["versions"]
    assert manifest["identifierSpace"] == "https://w3id.org/lemap/id/"
    assert manifest["schemaSpace"] == "https://w3id.org/lemap/ontology#"
    names = {t["name"] for t in manifest["defaultTypes"]}
    assert {"Country", "Organisation", "Place", "Document", "Activity"} <= names
    assert manifest["view"]["url"].endswith("/id/{{id}}")
    assert set(manifest["suggest"]) == {"entity", "type", "property"}
    assert manifest["preview"]["url"].endswith("/reconcile/preview?id={{id}}")


def test_manifest_view_and_preview_urls_resolve_for_a_candidate(curated_client) -> None:
    manifest = curated_client.get("/reconcile").get_json()
    candidate = best(curated_client, "Kiev")
    # Clients percent-encode the id as a URI component (the specification says so): country%2FUKR.
    view = manifest["view"]["url"].replace("{{id}}", quote(candidate["id"], safe="")).removeprefix("http://localhost")
    assert curated_client.get(view, headers={"Accept": "text/html"}).status_code == 200
    preview = manifest["preview"]["url"].replace("{{id}}", quote(candidate["id"], safe="")).removeprefix("http://localhost")
    page = curated_client.get(preview)
    assert page.status_code == 200 and "Kyiv" in page.get_data(as_text=True)


def test_cors_preflight_is_allowed(curated_client) -> None:
    response = curated_client.options("/reconcile", headers={"Origin": "http://localhost:3333", "Access-Control-Request-Method": "POST"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]


# --------------------------------------------------------------------------------- tolerant matching


@pytest.mark.parametrize(
    ("query", "expected", "why"),
    [
        ("Kiev", "place/kyiv", "an older transliteration recorded as an alternative label"),
        ("Kharkov", "place/kharkiv", "Russian transliteration"),
        ("Kirgizstan", "country/KGZ", "a transliteration no label records"),
        ("UKR", "country/UKR", "ISO 3166-1 alpha-3"),
        ("ua", "country/UKR", "ISO 3166-1 alpha-2, lower case"),
        ("804", "country/UKR", "ISO 3166-1 numeric"),
        ("Ministry of Interior of Ukraine", "organisation/ukr-moi", "an alternative label"),
        ("MoI Ukraine", "organisation/ukr-moi", "acronym and country"),
        ("Kazakstan", "country/KAZ", "a dropped letter"),
        ("Police National of Ukraine", "organisation/ukr-national-police", "a swapped word"),
        ("VIET-NAM", "country/VNM", "case and punctuation"),
        ("Kenia", "country/KEN", "a hidden label"),
    ],
)
def test_tolerant_names_match_one_entity(curated_client, query: str, expected: str, why: str) -> None:
    candidate = best(curated_client, query)
    assert candidate["id"] == expected, why
    assert candidate["match"] is True, f"{query!r} ({why}) names {expected} unambiguously"


def test_an_ambiguous_name_is_never_a_match(curated_client) -> None:
    result = reconcile(curated_client, {"q0": {"query": "MoI", "limit": 10}})["q0"]["result"]
    ministries = {c["id"] for c in result if c["id"].endswith("-moi")}
    assert len(ministries) >= 3, "every ministry of interior called MoI is a candidate"
    assert not any(c["match"] for c in result)


def test_a_partial_name_ranks_the_closest_first_without_a_match(curated_client) -> None:
    result = reconcile(curated_client, {"q0": {"query": "national police"}})["q0"]["result"]
    assert result[0]["id"] == "organisation/ukr-national-police"
    assert not any(c["match"] for c in result)


def test_an_unknown_name_has_no_match(curated_client) -> None:
    result = reconcile(curated_client, {"q0": {"query": "Zyxwvut Qqq"}})["q0"]["result"]
    assert not any(c["match"] for c in result)


def test_scores_are_sorted_and_explained_by_features(curated_client) -> None:
    result = reconcile(curated_client, {"q0": {"query": "Tajikstan", "limit": 5}})["q0"]["result"]
    scores = [c["score"] for c in result]
    assert scores == sorted(scores, reverse=True) and len(result) <= 5
    assert {f["id"] for f in result[0]["features"]} >= {"name_ratio", "word_order", "sound", "words_found"}


# --------------------------------------------------------------------------------- batches and types


def test_openrefine_shaped_batch_over_post_and_get(curated_client) -> None:
    names = ["Kiev", "Kharkov", "Ukraine", "MoI", "UNODC", "Kirgizstan", "referral schemes", "Odesa", "Belarus", "Afganistan"]
    batch = {f"q{i}": {"query": n, "type": t, "limit": 3, "type_strict": "should"} for i, (n, t) in enumerate(
        zip(names, ["schema:Place", "schema:Place", "lm:Country", "org:Organization", "org:Organization", "lm:Country",
                    "lm:Activity", "schema:Place", "lm:Country", "lm:Country"]))}
    posted = reconcile(curated_client, batch, "post")
    got = reconcile(curated_client, batch, "get")
    assert posted == got
    assert all(len(posted[k]["result"]) <= 3 for k in batch)
    assert posted["q0"]["result"][0]["id"] == "place/kyiv"
    assert posted["q2"]["result"][0]["id"] == "country/UKR"
    assert posted["q9"]["result"][0]["id"] == "country/AFG"


def test_a_type_keeps_to_its_class_and_subclasses(curated_client) -> None:
    places = reconcile(curated_client, {"q0": {"query": "Ukraine", "type": "schema:Place", "limit": 10}})["q0"]["result"]
    assert places[0]["id"] == "country/UKR", "lm:Country is a schema:Place through schema:Country"
    assert all(any(t["id"] in ("schema:Place", "schema:AdministrativeArea") for t in c["type"]) for c in places)
    organisations = reconcile(curated_client, {"q0": {"query": "Ukraine", "type": "Organisation", "limit": 10}})["q0"]["result"]
    assert organisations and all(c["id"].startswith("organisation/") for c in organisations)


def test_type_given_by_iri_or_by_name(curated_client) -> None:
    by_iri = best(curated_client, "Kyrgyzstan", type="https://w3id.org/lemap/ontology#Country")
    by_name = best(curated_client, "Kyrgyzstan", type=["Country"])
    assert by_iri["id"] == by_name["id"] == "country/KGZ"


def test_property_conditions_choose_between_namesakes(curated_client) -> None:
    result = reconcile(curated_client, {"q0": {"query": "MoI", "type": "org:Organization",
                                                "properties": [{"pid": "lm:country", "v": "Kyrgyzstan"}]}})["q0"]["result"]
    assert result[0]["id"] == "organisation/kgz-moi"
    assert result[0]["match"] is True
    assert {"id": "property:lm:country", "value": True} in result[0]["features"]
    by_code = best(curated_client, "MoI", properties=[{"pid": "country", "v": {"id": "country/UZB", "name": "Uzbekistan"}}])
    assert by_code["id"] == "organisation/uzb-moi"


@pytest.mark.parametrize(
    ("queries", "status", "words"),
    [
        ("{not json", 400, "not JSON"),
        ('["Kiev"]', 400, "JSON object"),
        ('{"q0": "Kiev"}', 400, "q0"),
        ('{"q0": {"query": "Kiev", "limit": -1}}', 400, "q0.limit"),
        ('{"q0": {"query": "Kiev", "type": "lm:Nothing"}}', 400, "q0.type"),
        ('{"q0": {"query": "Kiev", "properties": [{"pid": "lm:shoeSize", "v": 42}]}}', 400, "q0.properties[0].pid"),
        ('{"q0": {"query": "' + "x" * 300 + '"}}', 400, "q0.query"),
        ('{"q0": {"query": "Kiev", "limit": NaN}}', 400, "q0.limit"),
        ('{"q0": {"query": "Kiev", "limit": Infinity}}', 400, "q0.limit"),
        ('{"q0": {"query": "Kiev", "type": {"id": "lm:Country"}}}', 400, "q0.type"),
        ('{"q0": {"query": "Kiev", "type": [1, 2]}}', 400, "q0.type"),
        ('{"q0": {"query": ["Kiev"]}}', 400, "q0.query"),
        ('{"q0": {"query": "Kiev", "properties": {"pid": "lm:country"}}}', 400, "q0.properties"),
        ('{"q0": {"query": "Kiev", "properties": [{"pid": 5, "v": "x"}]}}', 400, "q0.properties[0].pid"),
        (json.dumps({f"q{i}": {"query": "Kiev"} for i in range(101)}), 413, "at most 100"),
    ],
)
def test_bad_batches_get_a_4xx_naming_what_is_wrong(curated_client, queries: str, status: int, words: str) -> None:
    response = curated_client.post("/reconcile", data={"queries": queries})
    assert response.status_code == status
    assert words in response.get_json()["message"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


# --------------------------------------------------------------------------------- preview and suggest


def test_preview_is_a_small_card_that_other_tools_may_frame(curated_client) -> None:
    response = curated_client.get("/reconcile/preview?id=" + quote("organisation/ukr-moi", safe=""))
    assert response.status_code == 200 and response.mimetype == "text/html"
    text = response.get_data(as_text=True)
    assert "Ministry of Internal Affairs of Ukraine" in text and "Ministry of Interior of Ukraine" in text
    assert "frame-ancestors *" in response.headers["Content-Security-Policy"]
    assert "<script" not in text
    assert curated_client.get("/reconcile/preview?id=country/XXX").status_code == 404
    assert curated_client.get("/reconcile/preview").status_code == 400


def test_suggest_entities_by_prefix_and_type(curated_client) -> None:
    answer = curated_client.get("/reconcile/suggest/entity?prefix=kyr").get_json()
    check("suggest-entities-response.json", answer)
    assert answer["result"][0]["id"] == "country/KGZ"
    typed = curated_client.get("/reconcile/suggest/entity?prefix=kyr&type=org:Organization").get_json()
    assert typed["result"] and all(r["id"].startswith("organisation/") for r in typed["result"])
    more = curated_client.get("/reconcile/suggest/entity?prefix=kyr&cursor=1").get_json()
    assert more["result"][0] == answer["result"][1]


def test_suggest_types_and_properties(curated_client) -> None:
    types = curated_client.get("/reconcile/suggest/type?prefix=org").get_json()
    check("suggest-types-response.json", types)
    ids = [t["id"] for t in types["result"]]
    assert "org:Organization" in ids and "org:FormalOrganization" in ids
    formal = next(t for t in types["result"] if t["id"] == "org:FormalOrganization")
    assert {"id": "org:Organization", "name": "Organization"} in formal["broader"]
    countries = curated_client.get("/reconcile/suggest/type?prefix=countr").get_json()
    assert "lm:Country" in [t["id"] for t in countries["result"]]
    properties = curated_client.get("/reconcile/suggest/property?prefix=coun").get_json()
    check("suggest-properties-response.json", properties)
    assert [p["id"] for p in properties["result"]] == ["lm:country"]


def test_bad_suggest_parameters(curated_client) -> None:
    assert curated_client.get("/reconcile/suggest/entity?prefix=k&cursor=-1").status_code == 400
    assert curated_client.get("/reconcile/suggest/entity?prefix=k&type=lm:Nothing").status_code == 400
    assert curated_client.get("/reconcile/suggest/entity?prefix=" + "k" * 300).status_code == 400


def test_odd_but_valid_values_are_answered(curated_client) -> None:
    batch = {
        "q0": {"query": "Ukraine", "limit": 2.7},
        "q1": {"query": "MoI", "properties": [{"pid": "lm:country", "v": [{"id": "country/KGZ"}, 5, True, {"id": "nowhere", "name": "x"}]}]},
        "q2": {"query": "ñ😀 <script>", "type": []},
        "q3": {"properties": [{"pid": "lm:country", "v": "UKR"}]},
    }
    answer = reconcile(curated_client, batch)
    assert len(answer["q0"]["result"]) == 2
    assert answer["q1"]["result"][0]["id"] == "organisation/kgz-moi"
    assert answer["q3"]["result"] == []


@pytest.mark.parametrize(
    ("query", "type_", "expected"),
    [
        ("Training Manual", "Document", "document/training-manual"),
        ("Soligorsk pilot referral scheme", "Activity", "activity/blr-2017-soligorsk-referral-scheme"),
        ("Afghanistan translated", "lm:ManualAdoption", "adoption/afg-translated"),
        ("Salihorsk", "schema:City", "place/soligorsk"),
        ("people who use drugs", "skos:Concept", "key-population/pwud"),
    ],
)
def test_every_kind_of_entity_can_be_reconciled_by_its_type(curated_client, query: str, type_: str, expected: str) -> None:
    result = reconcile(curated_client, {"q0": {"query": query, "type": type_, "limit": 3}})["q0"]["result"]
    assert result[0]["id"] == expected
