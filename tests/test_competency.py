"""The competency questions answered by the named queries on the curated data, checked against the report.

Every expected value below is read in the report (``data/source/``), not in the data: the quoted
sentence is given next to each assertion. Where the data disagrees with the report the assertion
is marked ``xfail(strict=True, reason="data: …")`` and the data is left for its curator to fix.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from lemap_graph.queries import bind, get_query, load_file
from lemap_graph.report import report_text
from lemap_graph.store import memory_copy, run_query

SPARQL = Path(__file__).resolve().parent.parent / "lemap_graph" / "sparql"
ID = "https://w3id.org/lemap/id/"

#: The named queries written for the competency questions (the others are general queries).
CQ_QUERIES = {
    "manual-adoption-by-country": 1,
    "manual-adoption-steps": 1,
    "manual-lineage": 2,
    "manual-trainings-without-translation": 3,
    "activities-by-country-year-kind": 4,
    "activities-by-participants": 5,
    "unodc-partners": 6,
    "pilot-referral-schemes": 7,
    "documents": 8,
    "unodc-offices-countries": 9,
    "key-populations": 10,
    "statement-sources": 13,
}


def answer(store: ox.Store, query_name: str, **values: str) -> list[dict[str, str | None]]:
    """Rows of the named query ``query_name`` on ``store`` as dicts, parameters bound by the engine."""
    query = get_query(query_name)
    return run_query(store, query.text, substitutions=bind(query, values, store) if values else None).records()


def by(rows: list[dict], key: str, value: str) -> list[dict]:
    """The rows whose ``key`` equals ``value``."""
    return [r for r in rows if r.get(key) == value]


def one(rows: list[dict], key: str, value: str) -> dict:
    """The single row whose ``key`` equals ``value``."""
    found = by(rows, key, value)
    assert len(found) == 1, f"expected one row with {key}={value}, got {len(found)}"
    return found[0]


def in_report(*sentences: str) -> None:
    """Assert the report says each sentence, so the expectation is the report's, not the data's."""
    for sentence in sentences:
        assert sentence in report_text(), f"not in the report: {sentence!r}"


@pytest.fixture(scope="module")
def adoption(curated_store):
    return answer(curated_store, "manual-adoption-by-country")


# --- the query files ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CQ_QUERIES))
def test_query_file_has_metadata_and_parses(curated_store, name):
    query = load_file(SPARQL / f"{name}.rq")
    assert query.summary and query.description and query.tags
    assert query.source == f"competency question {CQ_QUERIES[name]}"
    projected = re.search(r"SELECT(.*?)WHERE", query.text, re.S).group(1)
    for param in query.params:
        assert f"?{param.name}" in projected, "pyoxigraph substitutes only projected variables"
    assert run_query(curated_store, query.text).kind == "select"


# --- CQ1: the furthest stage of the Training Manual in each country -----------------------------


def test_cq1_afghanistan_translated_into_dari_2020(adoption):
    in_report("In addition, UNODC technical guide on HIV and law enforcement was translated to the national language (Dari) in 2020.")
    row = one(adoption, "country", ID + "country/AFG")
    assert row["standing"] == "done"
    assert row["furthest_stage"] == ID + "adoption-stage/translated"
    assert (row["furthest_year"], row["furthest_language"]) == ("2020", "prs")
    assert "(Dari) in 2020" in row["furthest_evidence"]


def test_cq1_myanmar_curriculum_2017(adoption):
    in_report("In 2017, the Manual and the national police training curriculum were developed and incorporated.")
    row = one(adoption, "country", ID + "country/MMR")
    assert row["furthest_stage"] == ID + "adoption-stage/curriculum"
    assert row["furthest_year"] == "2017"
    assert "In 2017, the Manual and the national police training curriculum" in row["furthest_evidence"]


def test_cq1_philippines_adapted_2019(adoption):
    in_report("While in 2019, this Manual adapted into the local context")
    row = one(adoption, "country", ID + "country/PHL")
    assert row["furthest_stage"] == ID + "adoption-stage/adapted"
    assert row["furthest_year"] == "2019"
    assert "adapted into the local context" in row["furthest_evidence"]


def test_cq1_pakistan_adopted(adoption):
    in_report("Pakistan: since 2013, a set of LE capacity building activities were conducted. The country has adopted the Training Manual.")
    row = one(adoption, "country", ID + "country/PAK")
    assert row["furthest_stage"] == ID + "adoption-stage/adopted"
    assert row["furthest_evidence"] == "The country has adopted the Training Manual."


@pytest.mark.parametrize("alpha3", ["THA", "VNM"])
def test_cq1_thailand_and_vietnam_translated_and_adopted(adoption, alpha3):
    in_report("Thailand and Vietnam have translated and adopted the Manual")
    row = one(adoption, "country", ID + f"country/{alpha3}")
    assert row["standing"] == "done"
    assert "translated" in row["done_steps"] and "adopted" in row["done_steps"]


@pytest.mark.parametrize("alpha3", ["THA", "VNM"])
def test_cq1_thailand_and_vietnam_furthest_stage_is_adopted(adoption, alpha3):
    in_report("Thailand and Vietnam have translated and adopted the Manual")
    row = one(adoption, "country", ID + f"country/{alpha3}")
    assert row["furthest_stage"] == ID + "adoption-stage/adopted"


@pytest.mark.parametrize("alpha3", ["THA", "VNM"])
def test_cq1_thailand_and_vietnam_translation_language_not_stated(curated_store, alpha3):
    in_report("Thailand and Vietnam have translated and adopted the Manual: The training sessions were conducted jointly with LEAHN for 2014-2015.")
    steps = by(answer(curated_store, "manual-adoption-steps"), "alpha3", alpha3)
    translated = [s for s in steps if s["stage"] == ID + "adoption-stage/translated"]
    assert translated and all(not s["language"] for s in translated)


def test_cq1_argentina_only_intended(adoption):
    in_report("expressed the intention to translate the UNODC Manual and adapt it in the national context")
    row = one(adoption, "country", ID + "country/ARG")
    assert row["standing"] == "not done"
    assert row["furthest_stage"] is None and not row["done_steps"]
    assert "translated: intended" in row["not_done_steps"] and "adapted: intended" in row["not_done_steps"]


def test_cq1_brazil_adaptation_in_progress(adoption):
    in_report("the UNODC Training Manual's adaptation process was launched")
    row = one(adoption, "country", ID + "country/BRA")
    assert row["standing"] == "not done"
    assert row["furthest_stage"] is None
    assert "adapted: in progress" in row["not_done_steps"]


def test_cq1_one_row_per_country(adoption):
    countries = [r["country"] for r in adoption]
    assert len(countries) == len(set(countries))


def test_cq1_steps_keep_intentions_apart(curated_store):
    steps = by(answer(curated_store, "manual-adoption-steps"), "alpha3", "ARG")
    assert {s["stage_label"] for s in steps} == {"translated", "adapted"}
    assert {s["status"] for s in steps} == {ID + "status/intended"}
    afg = one(answer(curated_store, "manual-adoption-steps"), "adoption", ID + "adoption/afg-translated")
    assert afg["resulting_document"] == ID + "document/training-manual-dari" and afg["notation"] == "2"


# --- CQ2: the lineage of the Manual -------------------------------------------------------------


@pytest.fixture(scope="module")
def lineage(curated_store):
    return answer(curated_store, "manual-lineage")


@pytest.mark.parametrize(
    "child, relation, quote",
    [
        ("document/training-manual-dari", "translation of", "was translated to the national language (Dari) in 2020"),
        ("document/training-manual-philippines-adaptation", "adaptation of", "this Manual adapted into the local context"),
        ("document/mmr-2015-policy-brief-le-role-pwid", "based on", "publishing two policy briefs based on UNODC Manual"),
        ("document/mmr-2015-policy-brief-best-police-practices", "based on", "publishing two policy briefs based on UNODC Manual"),
        ("document/ind-gender-responsive-policing-manual", "supplement to", "it can be used as a supplement to the Training Manual"),
        ("activity/mus-2017-leahn-police-training", "used by", "the training for police in Mauritius based on the UNODC Training Manual"),
        ("activity/mar-2018-tangier-training", "used by", "The participants were introduced to the \"Training manual"),
    ],
)
def test_cq2_lineage_edges_from_the_manual(lineage, child, relation, quote):
    in_report(quote)
    edges = [(r["parent"], r["relation"]) for r in by(lineage, "child", ID + child)]
    assert (ID + "document/training-manual", relation) in edges


def test_cq2_lineage_reaches_beyond_one_step(lineage):
    in_report("d. Design, print, and disseminate translated UNODC technical guide on HIV and law enforcement")
    parents = {r["parent"] for r in lineage}
    assert parents - {ID + "document/training-manual"}, "the tree has depth > 1"
    assert any(r["parent"] == ID + "document/training-manual-dari" and r["child_type"] == "activity" for r in lineage)


def test_cq2_myanmar_curriculum_in_the_tree(lineage):
    rows = by(lineage, "child", ID + "document/mmr-2017-national-police-training-curriculum")
    assert rows and rows[0]["year"] == "2017"


# --- CQ3: trainings based on the Manual, no translation or adaptation ----------------------------


def test_cq3_mauritius_and_morocco_not_afghanistan(curated_store):
    in_report(
        "conducted the training for police in Mauritius based on the UNODC Training Manual in January 2017",
        "The participants were introduced to the \"Training manual for law enforcement officials",
    )
    countries = {r["country"] for r in answer(curated_store, "manual-trainings-without-translation")}
    assert {ID + "country/MUS", ID + "country/MAR"} <= countries
    # translated (Afghanistan, Thailand, Vietnam) or adapted (Philippines): never in the answer
    assert not countries & {ID + f"country/{c}" for c in ("AFG", "THA", "VNM", "PHL")}


# --- CQ4: activities per country, year and kind -------------------------------------------------


@pytest.fixture(scope="module")
def per_year(curated_store):
    return answer(curated_store, "activities-by-country-year-kind")


def _count(rows, alpha3, year, kind):
    return sum(
        int(r["activities"]) for r in rows
        if r["country"] == ID + f"country/{alpha3}" and r["year"] == year and r["kind"] == ID + f"activity-kind/{kind}"
    )


@pytest.mark.parametrize(
    "alpha3, year, kind, quote",
    [
        ("MAR", "2018", "training", "UNODC convened capacity building activities in 2018"),
        ("MOZ", "2020", "seminar", "the seminar on \"Harm reduction policing\" took place on December 17th and 18th 2020"),
        ("ZAF", "2013", "workshop", "the workshop was jointly organized and contributed by UNODC and the Central Drug Authority in 2013"),
        ("TZA", "2013", "sensitization-workshop", "In Tanzania: the sensitizing workshop was held in 2013"),
        ("LBN", "2019", "consultative-meeting", "organized three regional consultative meetings in 2019"),
        ("MUS", "2017", "training", "in January 2017"),
    ],
)
def test_cq4_counts_activities_the_report_dates(per_year, alpha3, year, kind, quote):
    in_report(quote)
    assert _count(per_year, alpha3, year, kind) >= 1


def test_cq4_years_within_2013_2021_and_plans_left_out(per_year):
    assert all(r["year"] is None or 2013 <= int(r["year"]) <= 2021 for r in per_year)
    in_report("In 2017, UNODC planned to organize one more workshop in June 2017.")
    assert _count(per_year, "NGA", "2017", "workshop") == 0


# --- CQ5: activities by number of participants -----------------------------------------------------


def test_cq5_largest_first_with_qualifiers(curated_store):
    rows = answer(curated_store, "activities-by-participants")
    counts = [int(r["participants"]) for r in rows]
    assert counts == sorted(counts, reverse=True)
    in_report(
        "We have trained over 5000 law enforcement and civil society partners in over 20 countries.",
        "For 2012-2016 more than 1400 representatives of NGOs, police, prison and narcology services",
        "Around 250 representatives attended the training.",
        "The seminar included 31 participants",
        "The meeting was attended by 28 people",
        "included 25 participants from the law enforcement agencies",
    )
    assert (rows[0]["participants"], rows[0]["qualifier"]) == ("5000", ID + "qualifier/more-than")
    seen = [(r["participants"], r["qualifier"].rsplit("/", 1)[-1]) for r in rows]
    expected = [("5000", "more-than"), ("1400", "more-than"), ("250", "about"), ("31", "exact"), ("28", "exact"), ("25", "exact")]
    assert [s for s in seen if s in expected] == expected, "in this order, largest first"
    ukraine = one(rows, "participants", "1400")
    assert "Ukraine" in ukraine["countries"]
    assert "Argentina" in one(rows, "participants", "250")["countries"]


# --- CQ6: UNODC's partners ------------------------------------------------------------------------


def test_cq6_partners_include_leahn_menahra_and_un_agencies(curated_store):
    rows = answer(curated_store, "unodc-partners")
    in_report(
        "In Brazil, UNODC, jointly with LEAHN, organized a dialogue",
        "the United Nations Office on Drugs and Crime (UNODC), the Law Enforcement and HIV Network (LEAHN), organized three regional",
    )
    leahn = one(rows, "organisation", ID + "organisation/leahn")
    assert int(leahn["activities"]) >= 2 and "partner" in leahn["roles"]
    assert "organiser" in one(rows, "organisation", ID + "organisation/menahra")["roles"]
    orgs = {r["organisation"] for r in rows}
    assert {ID + f"organisation/{o}" for o in ("undp", "unaids", "idlo")} <= orgs
    assert not any(o.startswith(ID + "organisation/unodc") for o in orgs), "UNODC and its units are not their own partners"


# --- CQ7: pilot police referral schemes -------------------------------------------------------------


@pytest.fixture(scope="module")
def schemes(curated_store):
    return answer(curated_store, "pilot-referral-schemes")


def test_cq7_soligorsk_belarus_2017(schemes):
    in_report("In 2017, with UNODC support, the MoI, MoH and CSO developed the pilot police referral schemes in Minsk oblast (Soligorsk)")
    row = one(schemes, "place", ID + "place/soligorsk")
    assert (row["country"], row["start_year"]) == (ID + "country/BLR", "2017")
    assert "Ministry of Interior of Belarus" in row["partners"] and "Ministry of Health of Belarus" in row["partners"]


def test_cq7_kazakhstan_three_sites(schemes):
    in_report("creating police drug referral schemes in three demonstration sites, namely Pavlodar, Temirtau and Ust-Kamenogorsk")
    places = {r["place"] for r in by(schemes, "country", ID + "country/KAZ")}
    assert {ID + f"place/{p}" for p in ("pavlodar", "temirtau", "ust-kamenogorsk")} <= places


def test_cq7_ukraine_cities(schemes):
    in_report(
        "Three pilot schemes for police- CSO/case management were developed and functioning in Kyiv, Kharkiv, Poltava.",
        "piloting police referral schemes in 5 cities (Odessa, Kryvoi Rog, Kherson, Mykolaiv, Sumy)",
    )
    places = {r["place"] for r in by(schemes, "country", ID + "country/UKR")}
    cities = ("kyiv", "kharkiv", "poltava", "odessa", "kryvoi-rog", "kherson", "mykolaiv", "sumy")
    assert {ID + f"place/{c}" for c in cities} <= places


# --- CQ8: documents --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def documents(curated_store):
    return answer(curated_store, "documents")


def test_cq8_beirut_declaration_december_2019(documents):
    in_report("the most important of which was the Beirut Declaration, which was signed in December 2019")
    row = one(documents, "document", ID + "document/beirut-declaration")
    assert (row["date"], row["year"], row["kinds"]) == ("2019-12", "2019", "declaration")


def test_cq8_training_manual_2014_by_unodc(documents):
    in_report("Provision for People Who Inject Drugs was developed in 2014")
    row = one(documents, "document", ID + "document/training-manual")
    assert row["date"] == "2014" and "United Nations Office on Drugs and Crime" in row["authors"]


def test_cq8_kinds_and_languages(documents):
    in_report("The Ministry developed the National Action plan addressing HIV/AIDS for 2015-2018", "HIV AIDS law RA 11166")
    kinds = " ".join(r["kinds"] for r in documents)
    for kind in ("manual", "guide", "policy brief", "declaration", "action plan", "law", "recommendations"):
        assert kind in kinds
    assert one(documents, "document", ID + "document/training-manual-dari")["language"] == "prs"


# --- CQ9: UNODC offices and their countries --------------------------------------------------------


@pytest.mark.parametrize(
    "office, countries, quote",
    [
        ("unodc-rosa", {"BGD", "IND"}, "ROSA - UNODC Regional Office for South Asia Bangladesh Developed"),
        ("unodc-seap", {"MMR", "PHL", "THA", "VNM"}, "UNODC SEAP - Regional Office for Southeast Asia and the Pacific Thailand and Vietnam"),
        ("unodc-afghanistan", {"AFG"}, "UNODC in Afghanistan supported capacity building"),
        ("unodc-rosaf", {"MOZ", "ZAF"}, "UNODC ROSAF (Regional Office for Southern Africa) In Mozambique"),
        ("unodc-rosen", {"NGA"}, "UNODC ROSEN - Regional Office for West and Central Africa In Nigeria (Abuja)"),
        ("unodc-west-asia", {"PAK"}, "UNODC WEST ASIA Pakistan"),
        ("unodc-roea", {"TZA", "MUS"}, "The UNODC Regional Office for Eastern Africa In Tanzania"),
        ("unodc-eastern-europe", {"UKR"}, "The Regional program office of the United Nations Office on Drugs and Crime in Eastern Europe (UNODC), jointly the Kharkiv"),
    ],
)
def test_cq9_offices_report_their_countries(curated_store, office, countries, quote):
    in_report(quote)
    rows = by(answer(curated_store, "unodc-offices-countries"), "office", ID + f"organisation/{office}")
    assert {ID + f"country/{c}" for c in countries} <= {r["country"] for r in rows}


def test_cq9_country_office_keeps_to_its_country(curated_store):
    rows = by(answer(curated_store, "unodc-offices-countries"), "office", ID + "organisation/unodc-afghanistan")
    assert {r["country"] for r in rows} == {ID + "country/AFG"}


# --- CQ10: key populations ----------------------------------------------------------------------------


def test_cq10_manual_and_tangier_training_address_pwid(curated_store):
    in_report(
        "Training Manual for Law Enforcement Officials on HIV Service Provision for People Who Inject Drugs",
        "stigma and discrimination towards people who inject drugs in Tangier, Morocco",
    )
    rows = answer(curated_store, "key-populations")
    pwid = {r["subject"] for r in by(rows, "population", ID + "key-population/pwid")}
    assert {ID + "document/training-manual", ID + "activity/mar-2018-tangier-training"} <= pwid
    assert "people who use drugs" in by(rows, "population", ID + "key-population/pwid")[0]["broader"].lower()


# --- CQ11 and CQ12: linking by code and by name -------------------------------------------------------


@pytest.mark.parametrize("code", ["AF", "AFG", "004", "af"])
def test_cq11_country_by_iso_code(curated_store, code):
    rows = answer(curated_store, "country-by-iso-code", code=code)
    assert {r["country"] for r in rows} == {ID + "country/AFG"}


@pytest.mark.parametrize(
    "name, entity, quote",
    [
        ("Kryvyi Rih", "place/kryvoi-rog", "Kryvoi Rog"),
        ("Viet Nam", "country/VNM", "Thailand and Vietnam"),
        ("Kyrgyz Republic", "country/KGZ", "Kyrgyzstan"),
        ("Kenia", "country/KEN", "Kenia"),
        ("Kenya", "country/KEN", "Kenya"),
    ],
)
def test_cq12_entity_by_other_spelling(curated_store, name, entity, quote):
    in_report(quote)
    assert ID + entity in {r["entity"] for r in answer(curated_store, "entity-by-name", name=name)}


# --- CQ13: report or partner dataset ---------------------------------------------------------------------


def test_cq13_curated_graphs_come_from_the_report(curated_store):
    rows = answer(curated_store, "statement-sources")
    data = [r for r in rows if (r["source_file"] or "").startswith("data/triples/")]
    assert data and all(r["origin"] == "report" and int(r["triples"]) > 0 for r in data)
    assert all(r["origin"] == "vocabulary" for r in rows if (r["source_file"] or "").startswith("ontology/"))


def test_cq13_partner_dataset_with_date(curated_store):
    store = memory_copy(curated_store)
    graph = ox.NamedNode("https://w3id.org/lemap/graph/partner/example")
    meta = ox.NamedNode("https://w3id.org/lemap/graph/meta")
    partner = ox.NamedNode(ID + "organisation/leahn")
    store.extend([
        ox.Quad(ox.NamedNode(ID + "activity/example"), ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"), ox.Literal("x"), graph),
        ox.Quad(graph, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode("https://w3id.org/lemap/ontology#PartnerDataset"), meta),
        ox.Quad(graph, ox.NamedNode("http://www.w3.org/ns/prov#wasAttributedTo"), partner, meta),
        ox.Quad(graph, ox.NamedNode("http://purl.org/dc/terms/created"),
                ox.Literal("2024-05-01", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")), meta),
    ])
    row = one(answer(store, "statement-sources"), "graph", graph.value)
    assert (row["origin"], row["partner"], row["added"], row["triples"]) == ("partner dataset", partner.value, "2024-05-01", "1")
