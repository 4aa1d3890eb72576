"""Every output format in one registry, keyed by name, media type and file extension.

Query results (SELECT/ASK) are written as SPARQL 1.1 JSON, XML, CSV or TSV; graphs
(CONSTRUCT/DESCRIBE, entity descriptions) as Turtle, N-Triples, JSON-LD or RDF/XML; whole datasets
as N-Quads or TriG. The CLI, the endpoint and the dumps all go through :func:`serialize_result`
and :func:`serialize_quads`.

>>> find("text/csv").name
'csv'
>>> find("ttl").media_type
'text/turtle'
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Iterable
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from .store import QueryResult


@dataclass(frozen=True)
class Format:
    """An output format: ``kind`` is ``results`` (SELECT/ASK), ``graph`` or ``dataset``."""

    name: str
    media_type: str
    extension: str
    kind: str
    aliases: tuple[str, ...] = ()
    rdf_format: ox.RdfFormat | None = None

    @property
    def content_type(self) -> str:
        """The Content-Type header value, with a charset for text formats."""
        return f"{self.media_type}; charset=utf-8"


FORMATS: tuple[Format, ...] = (
    Format("json", "application/sparql-results+json", "srj", "results", ("application/json",)),
    Format("xml", "application/sparql-results+xml", "srx", "results", ("application/xml", "text/xml")),
    Format("csv", "text/csv", "csv", "results"),
    Format("tsv", "text/tab-separated-values", "tsv", "results"),
    Format("ttl", "text/turtle", "ttl", "graph", ("application/x-turtle", "turtle"), ox.RdfFormat.TURTLE),
    Format("nt", "application/n-triples", "nt", "graph", ("text/plain",), ox.RdfFormat.N_TRIPLES),
    Format("jsonld", "application/ld+json", "jsonld", "graph", ("json-ld",), ox.RdfFormat.JSON_LD),
    Format("rdf", "application/rdf+xml", "rdf", "graph", ("rdfxml", "xml-rdf"), ox.RdfFormat.RDF_XML),
    Format("nq", "application/n-quads", "nq", "dataset", (), ox.RdfFormat.N_QUADS),
    Format("trig", "application/trig", "trig", "dataset", (), ox.RdfFormat.TRIG),
)


def find(key: str) -> Format | None:
    """The format with this name, media type, alias or extension (case-insensitive), or None."""
    key = key.strip().lower().lstrip(".")
    for f in FORMATS:
        if key in (f.name, f.media_type, f.extension, *f.aliases):
            return f
    return None


def for_kind(kind: str) -> list[Format]:
    """The formats of one kind, default first."""
    return [f for f in FORMATS if f.kind == kind]


def term_to_json(term) -> dict:
    """One RDF term in the SPARQL 1.1 JSON results form."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {k: term_to_json(getattr(term, k)) for k in ("subject", "predicate", "object")}}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        out["datatype"] = term.datatype.value
    return out


def _json(result: QueryResult) -> bytes:
    if result.kind == "ask":
        return json.dumps({"head": {}, "boolean": result.boolean}).encode()
    bindings = [
        {v: term_to_json(t) for v, t in zip(result.variables, row) if t is not None} for row in result.rows
    ]
    return json.dumps({"head": {"vars": list(result.variables)}, "results": {"bindings": bindings}}, ensure_ascii=False).encode()


def _xml_term(term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
    if term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
    return f"<literal>{escape(term.value)}</literal>"


def _xml(result: QueryResult) -> bytes:
    out = ['<?xml version="1.0"?>', '<sparql xmlns="http://www.w3.org/2005/sparql-results#">', "<head>"]
    if result.kind == "ask":
        out += ["</head>", f"<boolean>{'true' if result.boolean else 'false'}</boolean>", "</sparql>"]
        return "\n".join(out).encode()
    out += [f"<variable name={quoteattr(v)}/>" for v in result.variables]
    out += ["</head>", "<results>"]
    for row in result.rows:
        cells = [f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>" for v, t in zip(result.variables, row) if t is not None]
        out.append("<result>" + "".join(cells) + "</result>")
    out += ["</results>", "</sparql>"]
    return "\n".join(out).encode()


def _csv(result: QueryResult) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    if result.kind == "ask":
        writer.writerow(["_askResult"])
        writer.writerow(["true" if result.boolean else "false"])
    else:
        writer.writerow(result.variables)
        for row in result.rows:
            writer.writerow(["" if t is None else t.value for t in row])
    return buf.getvalue().encode()


def tsv_term(term) -> str:
    """One term in SPARQL TSV form (N-Triples syntax)."""
    return "" if term is None else str(term)


def _tsv(result: QueryResult) -> bytes:
    if result.kind == "ask":
        return f"?_askResult\n{'true' if result.boolean else 'false'}\n".encode()
    lines = ["\t".join("?" + v for v in result.variables)]
    lines += ["\t".join(tsv_term(t) for t in row) for row in result.rows]
    return ("\n".join(lines) + "\n").encode()


_RESULT_WRITERS = {"json": _json, "xml": _xml, "csv": _csv, "tsv": _tsv}


def serialize_result(result: QueryResult, fmt: Format | str, *, prefixes: dict[str, str] | None = None) -> bytes:
    """Write a query result in ``fmt``: a results format for SELECT/ASK, a graph format for CONSTRUCT.

    :raises ValueError: when the format does not fit the kind of result.
    """
    fmt = find(fmt) if isinstance(fmt, str) else fmt
    if fmt is None:
        raise ValueError("unknown format")
    if result.kind in ("select", "ask"):
        if fmt.kind != "results":
            raise ValueError(f"a {result.kind.upper()} result cannot be written as {fmt.name}")
        return _RESULT_WRITERS[fmt.name](result)
    if fmt.kind != "graph":
        raise ValueError(f"a graph result cannot be written as {fmt.name}")
    return serialize_triples(result.triples, fmt, prefixes=prefixes)


def serialize_triples(triples: Iterable[ox.Triple], fmt: Format | str, *, prefixes: dict[str, str] | None = None) -> bytes:
    """Write triples as Turtle, N-Triples, JSON-LD or RDF/XML."""
    fmt = find(fmt) if isinstance(fmt, str) else fmt
    kwargs = {"prefixes": prefixes} if prefixes and fmt.rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else {}
    return ox.serialize(list(triples), format=fmt.rdf_format, **kwargs) or b""


def serialize_quads(quads: Iterable[ox.Quad], fmt: Format | str, *, prefixes: dict[str, str] | None = None) -> bytes:
    """Write a dataset: N-Quads and TriG keep the named graphs; graph formats merge them."""
    fmt = find(fmt) if isinstance(fmt, str) else fmt
    if fmt.kind == "dataset":
        kwargs = {"prefixes": prefixes} if prefixes and fmt.rdf_format == ox.RdfFormat.TRIG else {}
        return ox.serialize(list(quads), format=fmt.rdf_format, **kwargs) or b""
    seen, triples = set(), []
    for q in quads:
        t = q.triple
        if t not in seen:
            seen.add(t)
            triples.append(t)
    return serialize_triples(triples, fmt, prefixes=prefixes)


# ---------------------------------------------------------------------------------------------
# Compact JSON-LD (pyoxigraph writes expanded JSON-LD; rdflib compacts with a context)
# ---------------------------------------------------------------------------------------------

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def to_rdflib(term):
    """A pyoxigraph term as the rdflib term (an ``xsd:string`` literal becomes a plain one); None for the default graph.

    >>> to_rdflib(ox.Literal("2018", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear"))).datatype
    rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#gYear')
    """
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        dt = term.datatype.value
        return Literal(term.value) if dt == _XSD_STRING else Literal(term.value, datatype=URIRef(dt))
    return None  # ox.DefaultGraph


def serialize_jsonld_compact(statements: Iterable[ox.Triple | ox.Quad], context: dict) -> bytes:
    """Compact JSON-LD with ``context`` (the value of ``@context``) written inline.

    Triples make one graph; quads keep their named graphs (as ``@graph`` objects).

    >>> t = ox.Triple(ox.NamedNode("https://w3id.org/lemap/id/country/AFG"), ox.NamedNode("http://ex/p"), ox.Literal("x"))
    >>> json.loads(serialize_jsonld_compact([t], {"country": "https://w3id.org/lemap/id/country/"}))["@id"]
    'country:AFG'
    """
    from rdflib import Dataset, Graph

    items = list(statements)
    if any(isinstance(s, ox.Quad) for s in items):
        graph = Dataset()
        for q in items:
            name = to_rdflib(q.graph_name)
            target = graph.graph(name) if name is not None else graph.default_graph
            target.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    else:
        graph = Graph()
        for t in items:
            graph.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
    return graph.serialize(format="json-ld", context=context, auto_compact=True, ensure_ascii=False).encode("utf-8")


# Content negotiation: shared by the SPARQL endpoint and the linked-data pages.


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """An Accept header as (media range, q) pairs, lower-cased, parameters other than q dropped.

    >>> parse_accept("text/csv;q=0.5, application/json")
    [('text/csv', 0.5), ('application/json', 1.0)]
    """
    out = []
    for part in (header or "").split(","):
        bits = [b.strip() for b in part.split(";")]
        if not bits[0]:
            continue
        q = 1.0
        for b in bits[1:]:
            if b.lower().startswith("q="):
                try:
                    q = max(0.0, min(1.0, float(b[2:])))
                except ValueError:
                    q = 0.0
        out.append((bits[0].lower(), q))
    return out


def quality(ranges: list[tuple[str, float]], media_type: str) -> tuple[int, float]:
    """How much the client wants ``media_type``: (specificity of the best matching range, its q).

    Specificity is 3 for the exact type, 2 for ``type/*``, 1 for ``*/*`` and 0 when nothing matches.

    >>> quality(parse_accept("text/*;q=0.3, text/csv;q=0.9"), "text/csv")
    (3, 0.9)
    """
    kind = media_type.split("/")[0]
    best = (0, 0.0)
    for rng, q in ranges:
        spec = 3 if rng == media_type else 2 if rng == kind + "/*" else 1 if rng in ("*/*", "*") else 0
        if spec > best[0] or (spec == best[0] and spec and q > best[1]):
            best = (spec, q)
    return best
