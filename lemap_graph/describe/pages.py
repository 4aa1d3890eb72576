"""What a page makes of an IRI: the app's path for lemap's IRIs, which IRIs may be links, schema.org JSON-LD for search engines."""

from __future__ import annotations

import re
from typing import Iterable, Mapping

from .entity import Description
from .terms import _LM, _SCHEMA, _SKOS

# ------------------------------------------------------------------------------- IRIs and pages


#: What this app serves under lemap's base: entities, vocabulary, shapes, catalogue, VoID, endpoint,
#: dumps, contexts and named graphs (first path segment, or the whole path).
LOCAL_ROOTS = ("id/", "ontology", "shapes", "catalog", ".well-known/void", "sparql", "dump/", "context", "graph/")

#: The IRI schemes a page may turn into a link; any other (javascript:, data: …) is shown as text.
SAFE_SCHEMES = ("http", "https", "mailto")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")


def local_path(iri: str, base: str) -> str | None:
    """The path this app serves ``iri`` at, when it is one of lemap's (under ``base``), else None.

    :param iri: any IRI.
    :param base: the base of lemap's IRIs (``LEMAP_BASE_IRI``), ending in ``/``.

    >>> b = "https://w3id.org/lemap/"
    >>> local_path(b + "id/country/AFG", b), local_path(b + "ontology#Activity", b), local_path("https://schema.org/Event", b)
    ('/id/country/AFG', '/ontology#Activity', None)
    >>> local_path(b + "catalog#lemap", b), local_path(b + "graph/data/triples/asia", b), local_path(b + "id/", b)
    ('/catalog#lemap', '/graph/data/triples/asia', '/id/')
    """
    if not iri.startswith(base):
        return None
    rest = iri[len(base):]
    if rest == "" or any(rest.startswith(root) for root in LOCAL_ROOTS):
        return "/" + rest
    return None


def safe_link(iri: str) -> bool:
    """Whether ``iri`` may become a link on a page: only ``http``, ``https`` and ``mailto`` IRIs may.

    >>> safe_link("https://example.org/"), safe_link("mailto:a@b.org"), safe_link("javascript:alert(1)"), safe_link("data:,x")
    (True, True, False, False)
    """
    found = _SCHEME.match(iri)
    return bool(found) and found.group(1).lower() in SAFE_SCHEMES


#: schema.org types for lemap's and the reused vocabularies' classes (schema: classes map to themselves).
SCHEMA_TYPES: dict[str, str] = {
    _LM + "Activity": "Event",
    _LM + "Country": "Country",
    _LM + "Subdivision": "AdministrativeArea",
    _LM + "Excerpt": "Quotation",
    _LM + "ReportSection": "CreativeWork",
    _LM + "ManualAdoption": "Thing",
    _LM + "CountryGroup": "Thing",
    _LM + "PartnerDataset": "Dataset",
    "http://www.w3.org/ns/org#FormalOrganization": "Organization",
    "http://www.w3.org/ns/org#OrganizationalUnit": "Organization",
    "http://www.w3.org/ns/org#Organization": "Organization",
    _SKOS + "Concept": "DefinedTerm",
    _SKOS + "ConceptScheme": "DefinedTermSet",
}

_SCHEMA_PREFERENCE = ("Country", "City", "AdministrativeArea", "Place", "Organization", "Report", "Event",
                      "Quotation", "DefinedTerm", "DefinedTermSet", "Dataset", "Observation", "Grant", "CreativeWork")


def schema_type(types: Iterable[str]) -> str:
    """The one schema.org type that fits best an entity with these RDF types (``Thing`` if none).

    >>> schema_type(["https://w3id.org/lemap/ontology#Activity"]), schema_type(["https://schema.org/Report", "https://schema.org/CreativeWork"])
    ('Event', 'Report')
    """
    found = set()
    for t in types:
        if t.startswith(_SCHEMA):
            found.add(t[len(_SCHEMA):])
        elif t in SCHEMA_TYPES:
            found.add(SCHEMA_TYPES[t])
    for name in _SCHEMA_PREFERENCE:
        if name in found:
            return name
    return sorted(found - {"Thing"})[0] if found - {"Thing"} else "Thing"


def schema_org(description: Description, url: str, *, dataset: Mapping[str, str] | None = None) -> dict:
    """schema.org JSON-LD (as a dict) for an entity page, for search engines.

    :param description: the entity.
    :param url: the page's URL.
    :param dataset: ``name`` and ``url`` of the dataset the entity belongs to, for ``isPartOf``.
    """
    data: dict = {
        "@context": "https://schema.org",
        "@type": schema_type(t.value for t in description.types),
        "@id": description.iri,
        "url": url,
        "identifier": description.iri,
        "name": description.label,
    }
    if description.alt_labels:
        data["alternateName"] = list(description.alt_labels)
    text = description.first(_SKOS + "definition") or description.first(_SCHEMA + "description")
    if text:
        data["description"] = text
    if data["@type"] == "Quotation" and description.evidence:
        data["text"] = description.evidence[0].text
    for key, prop in (("startDate", _SCHEMA + "startDate"), ("endDate", _SCHEMA + "endDate"),
                      ("dateCreated", _SCHEMA + "dateCreated"), ("inLanguage", _SCHEMA + "inLanguage")):
        if (value := description.first(prop)) is not None:
            data[key] = value
    places = [v.label for v in description.values(_SCHEMA + "location") + description.values(_LM + "country")]
    if places and data["@type"] == "Event":
        data["location"] = [{"@type": "Place", "name": name} for name in dict.fromkeys(places)]
    if description.evidence:
        data["citation"] = [e.text for e in description.evidence if e.excerpt != description.iri][:5] or None
        if data["citation"] is None:
            del data["citation"]
    if description.partner_datasets:  # statements a partner contributed: say whose dataset they came from
        data["isBasedOn"] = [{"@type": "Dataset", "@id": p.graph, "name": p.title,
                              "creator": {"@type": "Organization", "name": p.partner}} for p in description.partner_datasets]
    if dataset:
        data["isPartOf"] = {"@type": "Dataset", "name": dataset["name"], "url": dataset["url"]}
        data["license"] = "https://creativecommons.org/licenses/by/4.0/"
    return data


def script_json(data) -> str:
    """JSON for a ``<script type="application/ld+json">`` element: ``<``, ``>`` and ``&`` escaped as
    ``\\u003c`` …, so no literal can close the element or open a comment.

    >>> script_json({"name": "</script><script>alert(1)</script>"})
    '{"name": "\\\\u003c/script\\\\u003e\\\\u003cscript\\\\u003ealert(1)\\\\u003c/script\\\\u003e"}'
    """
    import json

    text = json.dumps(data, ensure_ascii=False, sort_keys=False)
    for char, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escaped)
    return text

