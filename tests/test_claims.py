"""Claims no stronger than the report: each case of docs/modelling.md's worked examples, read from the triples.

Every test quotes the report's words it holds the data to, and fails if the data says more (an
invitation recorded as attendance, a plan as a deed, a partner as an organiser) or less (a fact
left in prose that the vocabulary can state).
"""

from __future__ import annotations

import pytest

from lemap_graph.report import locate
from lemap_graph.store import run_query

PREFIXES = """\
PREFIX act:     <https://w3id.org/lemap/id/activity/>
PREFIX adopt:   <https://w3id.org/lemap/id/adoption/>
PREFIX country: <https://w3id.org/lemap/id/country/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX doc:     <https://w3id.org/lemap/id/document/>
PREFIX lm:      <https://w3id.org/lemap/ontology#>
PREFIX orgn:    <https://w3id.org/lemap/id/organisation/>
PREFIX place:   <https://w3id.org/lemap/id/place/>
PREFIX prov:    <http://www.w3.org/ns/prov#>
PREFIX schema:  <https://schema.org/>
PREFIX skos:    <http://www.w3.org/2004/02/skos/core#>
"""
ID = "https://w3id.org/lemap/id/"


def values(store, subject: str, path: str) -> set[str]:
    """The values of ``path`` (a SPARQL property path) from ``subject`` (a CURIE), as strings."""
    rows = run_query(store, PREFIXES + f"SELECT ?v WHERE {{ {subject} {path} ?v }}").records()
    return {r["v"] for r in rows}


def ids(*curies: str) -> set[str]:
    """Full IRIs of lemap CURIEs such as ``country:LBN``."""
    kinds = {"act": "activity", "adopt": "adoption", "country": "country", "doc": "document", "orgn": "organisation",
             "place": "place", "kp": "key-population", "reason": "reason", "region": "region", "status": "status",
             "akind": "activity-kind"}
    return {f"{ID}{kinds[c.split(':')[0]]}/{c.split(':', 1)[1]}" for c in curies}


def test_the_quotes_below_are_the_reports():
    for quote in QUOTES:
        assert locate(quote) is not None, quote


QUOTES = (
    "Invitations were sent to over 50 experts from Afghanistan",
    "The training sessions were conducted jointly with LEAHN for 2014-2015.",
    "support the PRM in Nampula City to organize the seminar",
    "Ministry of health and ham reduction programme implementers will include in this initiative.",
    "UNAIDS initiated a review of evidence",
    "UNAIDS initiated three Focus Group Discussions (FGD)",
    "Belarus is one of the first countries in the region that adopted the academic course",
    "There were several dialogues that UNODC supported involving various sectors in the Philippines that led to policy improvements",
    "c. Referrals are established with the health service provider",
    "The Training Manual focuses predominantly on the role of LE officials in supporting HIV/AIDS prevention, treatment, care and support among PWUD.",
    "the sensitizing workshop was held in 2013, brought together MoI, MoH, CSO and UN agencies (mainland and Zanzibar).",
    "There were also increases in the Middle East and North Africa (22%) and Latin America (21%).",
    "The training contributed to incorporating the UNODC Manual into the existing curriculum in their countries.",
    "this activity could not implement yet.",
    "There is no fund to support HIV and law enforcement activities for the time being in Afghanistan.",
)


# --- invited is not attended --------------------------------------------------------------------


def test_invited_countries_are_not_participant_countries(curated_store):
    """ "Invitations were sent to over 50 experts from Afghanistan, …": invited, not said to have attended."""
    fgd = "act:global-2020-fgd-justice-law-enforcement"
    assert values(curated_store, fgd, "lm:participantCountry") == set()
    assert len(values(curated_store, fgd, "lm:invitedCountry")) == 14
    assert values(curated_store, fgd, "lm:invitedCount") == {"50"}
    assert values(curated_store, fgd, "lm:invitedCountQualifier") == {ID + "qualifier/more-than"}
    assert values(curated_store, fgd, "lm:participantCount") == set()


def test_no_activity_lists_its_host_country_as_a_participant_country(curated_store):
    rows = run_query(curated_store, PREFIXES + """
        SELECT ?a ?c WHERE { ?a lm:participantCountry ?c ; lm:country ?c }""").records()
    assert rows == []
    beirut = "act:mena-2019-third-consultative-meeting"
    assert values(curated_store, beirut, "lm:country") == ids("country:LBN")
    assert len(values(curated_store, beirut, "lm:participantCountry")) == 7


# --- jointly with X names no organiser ---------------------------------------------------------


@pytest.mark.parametrize("activity, partner", [
    ("act:tha-2014-2015-leahn-training-sessions", "orgn:leahn"),
    ("act:vnm-2014-2015-leahn-training-sessions", "orgn:leahn"),
    ("act:kaz-2016-le-cso-training", "orgn:ehrn"),
])
def test_jointly_with_names_a_partner_and_no_organiser(curated_store, activity, partner):
    assert values(curated_store, activity, "schema:organizer") == set()
    assert values(curated_store, activity, "lm:partner") == ids(partner)


# --- support X to organise ----------------------------------------------------------------------


def test_supporting_to_organise_is_a_role_of_its_own(curated_store):
    """ "The ACAM in partnership with … CNCS and … UNODC, support the PRM in Nampula City to organize the seminar"."""
    seminar = "act:moz-2020-nampula-seminar"
    supporters = ids("orgn:moz-acam", "orgn:moz-cncs", "orgn:unodc")
    assert values(curated_store, seminar, "schema:organizer") == ids("orgn:moz-prm")
    assert values(curated_store, seminar, "lm:organisingSupporter") == supporters
    assert values(curated_store, seminar, "lm:supporter") >= supporters  # the network's supporter role finds them
    organising = values(curated_store, seminar, "schema:organizer|lm:organisingSupporter")
    assert organising == supporters | ids("orgn:moz-prm")


def test_every_organising_supporter_is_also_a_supporter(curated_store):
    rows = run_query(curated_store, PREFIXES + """
        SELECT ?a ?o WHERE { ?a lm:organisingSupporter ?o FILTER NOT EXISTS { ?a lm:supporter ?o } }""").records()
    assert rows == []


# --- a plan is not a deed -----------------------------------------------------------------------


def test_an_organisation_that_will_be_included_has_no_role_yet(curated_store):
    rows = run_query(curated_store, PREFIXES + """
        SELECT ?a ?p WHERE { ?a ?p orgn:bgd-ministry-of-health ; a lm:Activity }""").records()
    assert rows == []


@pytest.mark.parametrize("activity", [
    "act:global-unaids-review-of-evidence",
    "act:global-2020-unaids-focus-group-discussions",
    "act:global-2020-fgd-young-key-populations",
    "act:global-2020-fgd-social-structural-drivers",
])
def test_initiated_is_not_done(curated_store, activity):
    assert values(curated_store, activity, "lm:status") == {ID + "status/in-progress"}


def test_the_discussion_that_took_place_is_done(curated_store):
    """ "…which took place on November 3rd, 2020"."""
    fgd = "act:global-2020-fgd-justice-law-enforcement"
    assert values(curated_store, fgd, "lm:status") == {ID + "status/done"}
    assert values(curated_store, fgd, "schema:startDate") == {"2020-11-03"}


def test_adopting_a_course_is_not_a_training_that_took_place(curated_store):
    course = "act:blr-academic-course-advanced-training"
    kinds = values(curated_store, course, "lm:activityKind")
    assert kinds == ids("akind:adoption")
    assert values(curated_store, course, "lm:participantDescription") == set()


def test_dialogues_that_led_to_laws_did_not_produce_them(curated_store):
    dialogues = "act:phl-multisectoral-dialogues"
    assert values(curated_store, dialogues, "lm:produced") == set()
    assert values(curated_store, dialogues, "lm:contributedTo") == ids(
        "doc:phl-ra-11166", "doc:phl-ra-11036", "doc:phl-prison-hiv-memorandum-circular", "doc:phl-client-flow-algorithm")


def test_referrals_that_are_established_are_done(curated_store):
    assert values(curated_store, "act:bgd-harm-reduction-referrals", "lm:status") == {ID + "status/done"}


# --- scope as stated ----------------------------------------------------------------------------


def test_the_manual_keeps_primary_and_secondary_populations_apart(curated_store):
    manual = "doc:training-manual"
    assert values(curated_store, manual, "lm:targetPopulation") == ids("kp:pwid", "kp:pwud")
    assert values(curated_store, manual, "lm:secondaryPopulation") == ids(
        "kp:msm", "kp:sex-workers", "kp:transgender-people", "kp:people-in-prisons")


def test_where_participants_came_from_is_not_where_the_workshop_was_held(curated_store):
    workshop = "act:tza-2013-sensitizing-workshop"
    assert values(curated_store, workshop, "schema:location") == ids("country:TZA")
    assert values(curated_store, workshop, "lm:participantPlace") == ids("place:tanzania-mainland", "place:zanzibar")


def test_a_figure_for_latin_america_is_not_one_for_lac(curated_store):
    figure = "<https://w3id.org/lemap/id/observation/new-hiv-infections-change-latin-america-2010-2019>"
    assert values(curated_store, figure, "schema:observationAbout") == ids("region:latin-america")
    assert values(curated_store, "<https://w3id.org/lemap/id/region/latin-america>", "skos:broader") == ids("region:lac")


@pytest.mark.parametrize("iso", ["kaz", "kgz", "tjk", "uzb"])
def test_contributing_to_incorporating_is_no_incorporation_in_2015(curated_store, iso):
    step = f"adopt:{iso}-curriculum"
    assert values(curated_store, step, "lm:year") == set()
    assert values(curated_store, step, "lm:viaActivity") == set()
    assert values(curated_store, step, "lm:status") == {ID + "status/in-progress"}
    training = "act:central-asia-2015-moi-academies-regional-training"
    assert ids(f"adopt:{iso}-curriculum") <= values(curated_store, training, "lm:contributedTo")


# --- facts that lived only in text --------------------------------------------------------------


@pytest.mark.parametrize("document, url", [
    ("doc:training-manual", "https://www.unodc.org/documents/hiv-aids/Lemanual/LE_Manual_on_HIV_services_for_people_who_use_drugs.pdf"),
    ("doc:practical-guide", "https://www.unodc.org/documents/hiv-aids/2016/Practical_Guide_for_Civil_Society_HIV_Service_Providers.pdf"),
    ("doc:unaids-fact-sheet", "https://www.unaids.org/sites/default/files/media_asset/UNAIDS_FactSheet_en.pdf"),
])
def test_documents_carry_the_links_of_the_footnotes(curated_store, document, url):
    assert values(curated_store, document, "schema:url") == {url}


def test_reasons_not_carried_out_are_concepts(curated_store):
    assert values(curated_store, "act:mmr-2020-2021-harm-reduction-workshops", "lm:reasonNotCarriedOut") == ids(
        "reason:covid-19", "reason:political-situation")
    assert values(curated_store, "act:afg-2021-urgent-actions", "lm:reasonNotCarriedOut") == ids("reason:no-funding")


def test_figures_about_documents_and_activities_keep_their_qualifiers(curated_store):
    rows = run_query(curated_store, PREFIXES + """
        SELECT ?about ?value ?qualifier WHERE {
          ?o schema:observationAbout ?about ; schema:value ?value ; lm:valueQualifier ?qualifier .
          VALUES ?about { doc:ind-gender-responsive-policing-manual act:blr-capacity-building-training-set }
        }""").records()
    found = {(r["about"].rsplit("/", 1)[1], r["value"], r["qualifier"].rsplit("/", 1)[1]) for r in rows}
    assert found == {("ind-gender-responsive-policing-manual", "30", "up-to"), ("blr-capacity-building-training-set", "3", "exact")}


def test_links_the_prose_states_are_triples(curated_store):
    assert values(curated_store, "act:ind-police-workshops", "lm:established") == ids("act:ind-guwahati-coordination-committee")
    assert values(curated_store, "act:blr-capacity-building-training-set", "lm:follows") == ids(
        "act:blr-2014-2019-sensitization-workshops-trainings")
    assert values(curated_store, "act:kaz-drug-referral-initiative", "dcterms:isPartOf") == ids("act:kaz-law-and-policy-reforms")
    assert ids("act:blr-2017-soligorsk-referral-scheme") <= values(
        curated_store, "act:blr-referral-schemes-summary", "dcterms:relation")
    assert ids("orgn:arg-ministry-of-security", "orgn:arg-federal-police") == values(
        curated_store, "adopt:arg-translated", "prov:wasAttributedTo")
    covered = values(curated_store, "doc:eeca-2021-police-referral-review-report", "schema:about")
    assert ids("act:blr-2017-soligorsk-referral-scheme", "act:kaz-police-drug-referral-schemes-project") <= covered


def test_the_key_populations_query_says_which_population_is_primary(curated_store):
    from lemap_graph.queries import get_query

    rows = run_query(curated_store, get_query("key-populations").text).records()
    manual = {r["population"].rsplit("/", 1)[1]: r["scope"] for r in rows if r["subject"] == ID + "document/training-manual"}
    assert manual == {"pwid": "primary", "pwud": "primary", "msm": "secondary", "sex-workers": "secondary",
                      "transgender-people": "secondary", "people-in-prisons": "secondary"}
