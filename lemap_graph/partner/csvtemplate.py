"""The activities CSV template for partners without RDF skills: its columns, its CSVW description, its rows as triples.

One table of :class:`Column` feeds the template file (``/templates/activities.csv``), its CSVW
metadata (``activities.csv-metadata.json``) and the conversion. Names in the cells (countries,
cities, organisations, documents, kinds) are linked to lemap's IRIs through
:class:`~lemap_graph.partner.names.NameIndex`; what cannot be linked is reported with the row, the
column, the value and the best candidates. Organisations and cities lemap does not know yet become
new entities of the dataset; an unknown country, kind, status or document is an error, since those
come from closed lists.

>>> header = template_csv().decode().splitlines()[0]
>>> header.split(",")[:4]
['title', 'kind', 'status', 'start']
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

import pyoxigraph as ox

from ..validation import ValidationResult
from .checking import UploadNote
from .guard import UploadRefused
from .names import NameIndex

_LMID = "https://w3id.org/lemap/id/"
_LM = "https://w3id.org/lemap/ontology#"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_P = {
    "type": "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", "prefLabel": "http://www.w3.org/2004/02/skos/core#prefLabel",
    "startDate": "https://schema.org/startDate", "endDate": "https://schema.org/endDate",
    "location": "https://schema.org/location", "containedInPlace": "https://schema.org/containedInPlace",
    "organizer": "https://schema.org/organizer", "derived": "http://www.w3.org/ns/prov#wasDerivedFrom",
    "source": "http://purl.org/dc/terms/source", "citation": "http://purl.org/dc/terms/bibliographicCitation",
}
#: Where the template and its description are published (CSVW column IRIs are made from it).
TEMPLATE_URL = "https://w3id.org/lemap/templates/activities.csv"
METADATA_URL = TEMPLATE_URL + "-metadata.json"


@dataclass(frozen=True)
class Column:
    """One column of the template: its header, whether it is required, its CSVW datatype, its separator
    for lists, the property it becomes and a line of help."""

    name: str
    title: str
    property: str
    help: str
    required: bool = False
    datatype: str = "string"
    separator: str | None = None


COLUMNS: tuple[Column, ...] = (
    Column("title", "title", _P["prefLabel"], "What the activity was called, in English.", required=True),
    Column("kind", "kind", _LM + "activityKind", "training, workshop, seminar, meeting, project … (the activity kinds scheme); several separated by ;", required=True, separator=";"),
    Column("status", "status", _LM + "status", "done, in progress, planned, intended, not carried out or needed; done when empty."),
    Column("start", "start", _P["startDate"], "When it started: YYYY, YYYY-MM or YYYY-MM-DD.", datatype="gYear"),
    Column("end", "end", _P["endDate"], "When it ended: YYYY, YYYY-MM or YYYY-MM-DD.", datatype="gYear"),
    Column("country", "country", _LM + "country", "ISO 3166-1 alpha-3 code (UKR) or name (Ukraine); several separated by ;", separator=";"),
    Column("city", "city", _P["location"], "The city or place it was held in (a new place is added if lemap does not know it)."),
    Column("organisers", "organisers", _P["organizer"], "Who organised it, by name or acronym, separated by ; (new organisations are added)", separator=";"),
    Column("participants", "participants", _LM + "participantCount", "How many took part, with a qualifier and who: 40, about 40, more than 100, 25 police officers."),
    Column("document_used", "document used", _LM + "usedDocument", "Documents it used, by title (the UNODC Training Manual …), separated by ;", separator=";"),
    Column("source", "source", _P["source"], "Where it is reported: a URL (https://…) or a citation."),
)
_EXAMPLE = ("Training for police officers on HIV services for people who use drugs", "training", "done", "2019-03", "",
            "UKR", "Kyiv", "UNODC; National Police of Ukraine", "about 40 police officers", "UNODC Training Manual",
            "https://example.org/annual-report-2019")
_QUALIFIERS = (("about", "about"), ("approximately", "about"), ("around", "about"), ("~", "about"),
               ("more than", "more-than"), ("over", "more-than"), (">", "more-than"), ("fewer than", "fewer-than"),
               ("less than", "fewer-than"), ("under", "fewer-than"), ("<", "fewer-than"), ("up to", "up-to"))
_DATE = ((re.compile(r"\d{4}"), "gYear"), (re.compile(r"\d{4}-(0[1-9]|1[0-2])"), "gYearMonth"),
         (re.compile(r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"), "date"))


def template_csv() -> bytes:
    """The template: its header row and one example row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.title for c in COLUMNS])
    writer.writerow(_EXAMPLE)
    return out.getvalue().encode("utf-8")


def csvw_metadata() -> dict:
    """The template's CSVW metadata (W3C Metadata Vocabulary for Tabular Data): title, columns and their meaning."""
    columns = []
    for c in COLUMNS:
        col = {"name": c.name, "titles": c.title, "dc:description": c.help, "datatype": c.datatype,
               "required": c.required, "propertyUrl": c.property}
        if c.separator:
            col["separator"] = c.separator
        columns.append(col)
    return {
        "@context": "http://www.w3.org/ns/csvw",
        "url": "activities.csv",
        "dc:title": "lemap activities template",
        "dc:description": "One activity per row: a partner's trainings, workshops, meetings and projects, for lemap's /validate and import.",
        "dc:license": {"@id": "https://creativecommons.org/licenses/by/4.0/"},
        "dialect": {"header": True, "encoding": "utf-8"},
        "tableSchema": {"columns": columns, "aboutUrl": "activity/{title}"},
    }


@dataclass
class Conversion:
    """A CSV upload as triples, with what could not be linked (``unmatched``) and what is wrong (``errors``)."""

    triples: list[ox.Triple] = field(default_factory=list)
    unmatched: list[UploadNote] = field(default_factory=list)
    errors: list[ValidationResult] = field(default_factory=list)
    notes: list[UploadNote] = field(default_factory=list)


def convert(text: str, names: NameIndex, base: str, dataset: str) -> Conversion:
    """Turn the template's rows into triples of activities (and of the new organisations and places they name).

    :param text: the CSV text, its first row the header.
    :param names: the index that links names to lemap's IRIs.
    :param base: the IRI new entities are minted under (ends in ``/``).
    :param dataset: the partner dataset's IRI every activity is derived from.
    :raises UploadRefused: 400 when the header lacks a required column or the text is not CSV.
    """
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as e:
        raise UploadRefused(400, f"the upload is not CSV: {e}") from None
    if not rows:
        raise UploadRefused(400, "the CSV is empty: the first row must name the columns", 1, 1)
    columns = _header(rows[0])
    out = _Builder(names, base, dataset, Conversion())
    for number, row in enumerate(rows[1:], start=2):
        if any(cell.strip() for cell in row):
            out.row(number, {name: (row[i].strip() if i < len(row) else "") for name, i in columns.items()})
    return out.result


def _header(row: list[str]) -> dict[str, int]:
    wanted = {c.title: c.name for c in COLUMNS} | {c.name: c.name for c in COLUMNS}
    columns = {}
    for i, title in enumerate(row):
        key = " ".join(title.strip().lower().replace("_", " ").split())
        name = wanted.get(key) or wanted.get(key.replace(" ", "_"))
        if name:
            columns.setdefault(name, i)
    missing = [c.title for c in COLUMNS if c.required and c.name not in columns]
    if missing:
        raise UploadRefused(400, f"the CSV's first row has no column {', '.join(missing)}: it must name the template's columns "
                            f"({', '.join(c.title for c in COLUMNS)})", 1, 1)
    return columns


def slug(text: str) -> str:
    """A lower-case ASCII slug of ``text``.

    >>> slug("Training in Kyiv, 2019!")
    'training-in-kyiv-2019'
    """
    from .names import fold

    return "-".join(fold(text).encode("ascii", "ignore").decode().split())[:80] or "item"


class _Builder:
    """Turns rows into triples, minting new IRIs once per name."""

    def __init__(self, names: NameIndex, base: str, dataset: str, result: Conversion):
        self.names, self.base, self.dataset, self.result = names, base, dataset, result
        self.minted: dict[tuple[str, str], str] = {}
        self.used: set[str] = set()

    def add(self, s: str, p: str, o) -> None:
        self.result.triples.append(ox.Triple(ox.NamedNode(s), ox.NamedNode(p), o))

    def mint(self, folder: str, name: str) -> str:
        iri, n = f"{self.base}{folder}/{slug(name)}", 2
        while iri in self.used:
            iri, n = f"{self.base}{folder}/{slug(name)}-{n}", n + 1
        self.used.add(iri)
        return iri

    def error(self, number: int, node: str, column: str, value: str, message: str) -> None:
        col = next(c for c in COLUMNS if c.name == column)
        self.result.errors.append(ValidationResult(node, f"{METADATA_URL}#{column}", col.property, value,
                                                   f"row {number}, column {col.title}: {message}", "Violation", f"row {number}"))

    def row(self, number: int, cells: dict[str, str]) -> None:
        title = cells.get("title", "")
        node = self.mint("activity", title or f"row-{number}")
        if not title:
            self.error(number, node, "title", "", "every activity needs a title")
        self.add(node, _P["type"], ox.NamedNode(_LM + "Activity"))
        if title:
            self.add(node, _P["prefLabel"], ox.Literal(title, language="en"))
        self.add(node, _P["derived"], ox.NamedNode(self.dataset))
        for kind in _split(cells.get("kind", "")) or [""]:
            self.link_closed(number, node, "kind", kind, "activity-kinds", _LM + "activityKind")
        self.link_closed(number, node, "status", cells.get("status") or "done", "statuses", _LM + "status")
        for column, prop in (("start", _P["startDate"]), ("end", _P["endDate"])):
            if cells.get(column):
                self.date(number, node, column, cells[column], prop)
        countries = [c for c in (self.link_closed(number, node, "country", v, "country", _LM + "country")
                                 for v in _split(cells.get("country", ""))) if c]
        self.place(number, node, cells.get("city", ""), countries)
        for name in _split(cells.get("organisers", "")):
            self.add(node, _P["organizer"], ox.NamedNode(self.organisation(number, node, name, countries)))
        self.participants(number, node, cells.get("participants", ""))
        for name in _split(cells.get("document_used", "")):
            self.link_closed(number, node, "document_used", name, "document", _LM + "usedDocument")
        self.source(node, cells.get("source", ""))

    def lookup(self, number: int, node: str, column: str, value: str, kind: str):
        """The IRI ``value`` names (an IRI, a CURIE or a name that matches), or None after noting the candidates."""
        if re.match(r"https?://", value):
            return value, []
        prefix, _, local = value.partition(":")
        if local and prefix in _CURIE_PREFIXES and not local.startswith("/"):
            return _CURIE_PREFIXES[prefix] + local, []
        candidates = self.names.resolve(value, kind)
        if candidates and candidates[0].match:
            return candidates[0].iri, candidates
        return None, candidates

    def unmatched(self, number: int, node: str, column: str, value: str, candidates, action: str) -> None:
        title = next(c.title for c in COLUMNS if c.name == column)
        best = ", ".join(f"{c.label} ({c.score:.0f})" for c in candidates[:3]) or "none"
        self.result.unmatched.append(UploadNote(
            "unmatched", f"row {number}, column {title}: no sure match for {value!r} ({action}); best candidates: {best}",
            node=node, value=value, row=number, column=title, candidates=tuple(c.to_dict() for c in candidates)))

    def link_closed(self, number: int, node: str, column: str, value: str, kind: str, prop: str) -> str | None:
        if not value:
            if column == "kind":
                self.error(number, node, column, value, "every activity needs a kind (training, workshop, meeting …)")
            return None
        iri, candidates = self.lookup(number, node, column, value, kind)
        if iri is None:
            self.unmatched(number, node, column, value, candidates, "not imported: fix the name")
            self.error(number, node, column, value, f"no {_KIND_NAMES[kind]} matches {value!r}")
            return None
        self.add(node, prop, ox.NamedNode(iri))
        return iri

    def date(self, number: int, node: str, column: str, value: str, prop: str) -> None:
        datatype = next((name for pattern, name in _DATE if pattern.fullmatch(value)), None)
        if datatype is None:
            self.error(number, node, column, value, "write a date as YYYY, YYYY-MM or YYYY-MM-DD")
            return
        self.add(node, prop, ox.Literal(value, datatype=ox.NamedNode(_XSD + datatype)))

    def place(self, number: int, node: str, city: str, countries: list[str]) -> None:
        if not city:
            if countries:
                self.add(node, _P["location"], ox.NamedNode(countries[0]))
            return
        iri, candidates = self.lookup(number, node, "city", city, "place")
        if iri is None:
            if not countries:
                self.unmatched(number, node, "city", city, candidates, "not imported: give its country too")
                self.error(number, node, "city", city, "a new place needs the country it is in")
                return
            iri = self.new_entity(number, node, "city", city, candidates, "place",
                                  [(_P["type"], ox.NamedNode("https://schema.org/City")),
                                   (_P["containedInPlace"], ox.NamedNode(countries[0]))])
        self.add(node, _P["location"], ox.NamedNode(iri))

    def organisation(self, number: int, node: str, name: str, countries: list[str]) -> str:
        iri, candidates = self.lookup(number, node, "organisers", name, "organisation")
        if iri:
            return iri
        facts = [(_P["type"], ox.NamedNode("http://www.w3.org/ns/org#FormalOrganization")),
                 (_LM + "organisationKind", ox.NamedNode(_LMID + "organisation-kind/unspecified")),
                 (_P["derived"], ox.NamedNode(self.dataset))]
        return self.new_entity(number, node, "organisers", name, candidates, "organisation", facts)

    def new_entity(self, number: int, node: str, column: str, name: str, candidates, folder: str, facts) -> str:
        key = (folder, " ".join(name.lower().split()))
        if key not in self.minted:
            iri = self.minted[key] = self.mint(folder, name)
            self.add(iri, _P["prefLabel"], ox.Literal(name, language="en"))
            for p, o in facts:
                self.add(iri, p, o)
            self.unmatched(number, node, column, name, candidates, f"added as a new {folder}, {iri}")
        return self.minted[key]

    def participants(self, number: int, node: str, value: str) -> None:
        if not value:
            return
        m = re.fullmatch(r"(?P<q>[a-z~<>]+(?: than| to)?)?\s*(?P<n>\d[\d,]*)\s*(?P<plus>\+)?\s*(?P<who>.*)", value.strip().lower())
        qualifier = dict(_QUALIFIERS).get((m.group("q") or "").strip()) if m else None
        if not m or (m.group("q") and qualifier is None):
            self.error(number, node, "participants", value, "write a number, with about, more than, fewer than or up to before it if need be")
            return
        qualifier = "more-than" if m.group("plus") else qualifier or "exact"
        self.add(node, _LM + "participantCount", ox.Literal(m.group("n").replace(",", ""), datatype=ox.NamedNode(_XSD + "integer")))
        self.add(node, _LM + "participantCountQualifier", ox.NamedNode(_LMID + "qualifier/" + qualifier))
        who = value.strip()[m.start("who"):].strip() if m.group("who") else ""
        if who:
            self.add(node, _LM + "participantDescription", ox.Literal(who, language="en"))

    def source(self, node: str, value: str) -> None:
        if re.match(r"https?://\S+$", value):
            self.add(node, _P["source"], ox.NamedNode(value))
        elif value:
            self.add(node, _P["citation"], ox.Literal(value))


_CURIE_PREFIXES = {"country": _LMID + "country/", "place": _LMID + "place/", "orgn": _LMID + "organisation/",
                   "doc": _LMID + "document/", "akind": _LMID + "activity-kind/", "status": _LMID + "status/"}
_KIND_NAMES = {"activity-kinds": "activity kind", "statuses": "status", "country": "country", "document": "document"}


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(";") if v.strip()]
