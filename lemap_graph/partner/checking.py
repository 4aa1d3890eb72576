"""Inside the upload worker: parse an upload, refuse unsafe IRIs, validate it with the graph as context, warn.

Validation uses our shapes only (``ontology/lemap-shapes.ttl``; shapes in an upload are data like
any other) over the upload together with the graph it refers to, and reports the results for the
upload's own nodes. Notes warn about IRIs under lemap's namespace that name nothing, and about new
IRIs whose names match an existing entity ("did you mean country:MDA?").

>>> import pyoxigraph as ox
>>> triples = parse_rdf(b'@prefix lm: <https://w3id.org/lemap/ontology#> . <a> a lm:Activity .', "ttl", "https://w3id.org/lemap/id/partner/p/d/")
>>> triples[0].subject.value
'https://w3id.org/lemap/id/partner/p/d/a'
>>> check_iris([ox.Triple(ox.NamedNode("file:///etc/passwd"), ox.NamedNode("http://ex/p"), ox.Literal("x"))], "<file:///etc/passwd> <http://ex/p> 'x' .")
Traceback (most recent call last):
...
lemap_graph.partner.guard.UploadRefused: 400: the IRI <file:///etc/passwd> is refused: file: IRIs are not allowed in lemap (line 1, column 2)
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Iterable

import pyoxigraph as ox
from rapidfuzz import fuzz, process
from rdflib import BNode, Graph, Literal, URIRef

from .. import queries, validation
from ..store import GRAPH_BASE
from .guard import UploadRefused, line_column
from .names import MATCH_SCORE, NameIndex, kind_of

LEMAP = "https://w3id.org/lemap/"
SHAPES_GRAPH = GRAPH_BASE + "ontology/lemap-shapes"
UNSAFE_SCHEMES = ("file:", "javascript:", "data:", "vbscript:")
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_NAME_PROPERTIES = ("http://www.w3.org/2004/02/skos/core#prefLabel", "http://www.w3.org/2004/02/skos/core#altLabel",
                    "http://www.w3.org/2000/01/rdf-schema#label", "https://schema.org/name")


@dataclass(frozen=True)
class UploadNote:
    """A warning about an upload that does not stop it: ``kind`` is unknown-iri, did-you-mean, unmatched,
    new-entity, graph-names or column; ``candidates`` are dicts of :class:`~.names.Candidate`."""

    kind: str
    message: str
    node: str | None = None
    value: str | None = None
    row: int | None = None
    column: str | None = None
    candidates: tuple[dict, ...] = ()


@dataclass(frozen=True)
class UploadReport:
    """What the worker found: whether the upload conforms, the SHACL results on its nodes, notes, its size."""

    conforms: bool
    results: tuple[validation.ValidationResult, ...]
    notes: tuple[UploadNote, ...] = ()
    triples: int = 0
    unmatched: tuple[UploadNote, ...] = field(default=())
    resolves: tuple[str, ...] = field(default=())  # the IRIs named here that lemap has a page for

    def linked(self, extra: Iterable[str] = ()) -> "UploadReport":
        """This report with :attr:`resolves` set to its IRIs that are among ``extra``."""
        named = {r.focus_node for r in self.results} | {r.value for r in self.results if r.value}
        named |= {c.get("iri") for n in (*self.notes, *self.unmatched) for c in n.candidates} | {n.value for n in self.notes}
        return replace(self, resolves=tuple(sorted(i for i in named if i and i in set(extra))))

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; :meth:`from_json` reads it back.

        >>> r = UploadReport(True, (), (UploadNote("unknown-iri", "m", node="n"),), 3)
        >>> UploadReport.from_json(json.loads(json.dumps(r.to_json()))) == r
        True
        """
        return {"conforms": self.conforms, "triples": self.triples, "results": [asdict(r) for r in self.results],
                "notes": [asdict(n) for n in self.notes], "unmatched": [asdict(n) for n in self.unmatched],
                "resolves": list(self.resolves)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "UploadReport":
        """The report :meth:`to_json` wrote."""
        def note(n: dict) -> UploadNote:
            return UploadNote(**{**n, "candidates": tuple(n.get("candidates") or ())})
        return cls(bool(data["conforms"]), tuple(validation.ValidationResult(**r) for r in data["results"]),
                   tuple(note(n) for n in data["notes"]), int(data["triples"]), tuple(note(n) for n in data["unmatched"]),
                   tuple(data.get("resolves") or ()))


# --- parsing --------------------------------------------------------------------------------------


def parse_rdf(body: bytes, kind: str, base_iri: str, contexts: dict[str, dict] | None = None) -> list[ox.Triple]:
    """Parse an RDF upload with pyoxigraph into triples (the graph names of TriG and N-Quads dropped).

    :param body: the upload's bytes (already through :func:`~.guard.check_upload`).
    :param kind: the :class:`~.guard.UploadKind` name (ttl, nt, trig, nq, jsonld, rdf).
    :param base_iri: the IRI relative IRIs resolve against, chosen by the server.
    :param contexts: JSON-LD context URLs that may be named, with the context each stands for.
    :raises UploadRefused: 400 with line and column when it does not parse.
    """
    if kind == "jsonld":
        body = inline_contexts(body, contexts or {})
    fmt = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "trig": ox.RdfFormat.TRIG,
           "nq": ox.RdfFormat.N_QUADS, "jsonld": ox.RdfFormat.JSON_LD, "rdf": ox.RdfFormat.RDF_XML}[kind]
    try:
        return [q.triple if isinstance(q, ox.Quad) else q for q in ox.parse(body, format=fmt, base_iri=base_iri)]
    except SyntaxError as e:
        raise UploadRefused(400, f"the upload does not parse as {fmt.name}: {e.msg or e}", e.lineno, e.offset) from None


def inline_contexts(body: bytes, contexts: dict[str, dict]) -> bytes:
    """JSON-LD with every ``@context`` URL replaced by the context it names; other URLs are refused.

    Nothing is ever fetched: only lemap's own contexts (loaded from disk) may be named.

    >>> inline_contexts(b'{"@context": "https://w3id.org/lemap/context/v1.jsonld"}', {"https://w3id.org/lemap/context/v1.jsonld": {"lm": "x"}})
    b'{"@context": {"lm": "x"}}'
    """
    text = body.decode("utf-8-sig")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise UploadRefused(400, f"the upload is not JSON: {e.msg}", e.lineno, e.colno) from None
    return json.dumps(_inline(doc, contexts, text)).encode()


def _inline(node: Any, contexts: dict[str, dict], text: str) -> Any:
    if isinstance(node, list):
        return [_inline(n, contexts, text) for n in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "@context":
            out[key] = _context(value, contexts, text)
        else:
            out[key] = _inline(value, contexts, text)
    return out


def _context(value: Any, contexts: dict[str, dict], text: str) -> Any:
    if isinstance(value, list):
        return [_context(v, contexts, text) for v in value]
    if isinstance(value, str):
        if value in contexts:
            return contexts[value]
        line, column = _locate(text, value)
        raise UploadRefused(400, f"the JSON-LD context {value!r} is not fetched: inline it, or name lemap's own "
                            f"({', '.join(sorted(contexts)) or 'none'})", line, column)
    if isinstance(value, dict) and "@import" in value:
        line, column = _locate(text, "@import")
        raise UploadRefused(400, "@import in a JSON-LD context is refused: nothing is fetched", line, column)
    return value


def _locate(text: str, needle: str) -> tuple[int | None, int | None]:
    pos = text.find(needle)
    return line_column(text, pos) if pos >= 0 else (None, None)


def check_iris(triples: Iterable[ox.Triple], text: str) -> None:
    """Refuse ``file:``, ``javascript:``, ``data:`` and ``vbscript:`` IRIs anywhere in the triples (400, with where)."""
    for t in triples:
        for term in (t.subject, t.predicate, t.object, getattr(t.object, "datatype", None)):
            if isinstance(term, ox.NamedNode) and term.value.lower().startswith(UNSAFE_SCHEMES):
                scheme = term.value.split(":", 1)[0].lower()
                line, column = _locate(text, term.value)
                if line is None:
                    line, column = _locate(text.lower(), scheme + ":")
                raise UploadRefused(400, f"the IRI <{term.value}> is refused: {scheme}: IRIs are not allowed in lemap", line, column)


def skolemize(triples: Iterable[ox.Triple], base: str) -> list[ox.Triple]:
    """Blank nodes replaced by IRIs under ``base`` (RDF 1.1 skolem IRIs), so an imported graph can be replaced.

    A graph holding blank nodes cannot be removed statement by statement in SPARQL (DELETE DATA
    forbids them), and the partner's nodes get addresses of their own.

    >>> t = skolemize([ox.Triple(ox.BlankNode("b1"), ox.NamedNode("http://p"), ox.Literal("x"))], "https://w3id.org/lemap/.well-known/genid/p/d/")
    >>> t[0].subject.value
    'https://w3id.org/lemap/.well-known/genid/p/d/b1'
    """
    def iri(term):
        return ox.NamedNode(base + term.value) if isinstance(term, ox.BlankNode) else term
    return [ox.Triple(iri(t.subject), t.predicate, iri(t.object)) for t in triples]


def canonical_ntriples(triples: Iterable[ox.Triple]) -> bytes:
    """The triples as sorted, duplicate-free N-Triples: the one form the import writes.

    >>> canonical_ntriples([ox.Triple(ox.NamedNode("http://b"), ox.NamedNode("http://p"), ox.Literal("x"))] * 2)
    b'<http://b> <http://p> "x" .\\n'
    """
    lines = sorted({f"{t.subject} {t.predicate} {t.object} ." for t in triples})
    return ("\n".join(lines) + "\n").encode() if lines else b""


# --- validation -------------------------------------------------------------------------------------


@dataclass
class Context:
    """The graph an upload refers to: an in-memory pyoxigraph copy (for names and IRIs) and its graph names."""

    store: ox.Store
    graphs: frozenset[str]

    @classmethod
    def from_nquads(cls, data: bytes, exclude: Iterable[str] = ()) -> "Context":
        """The context from an N-Quads dump, leaving out the shapes graph and the graphs in ``exclude``."""
        store = ox.Store()
        if data:
            store.load(data, format=ox.RdfFormat.N_QUADS)
        for g in (SHAPES_GRAPH, *exclude):
            if store.contains_named_graph(ox.NamedNode(g)):
                store.remove_graph(ox.NamedNode(g))
        graphs = frozenset(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))
        return cls(store, graphs)

    def names(self) -> NameIndex:
        """The names of the context's entities, indexed as the search and ``/reconcile`` index them."""
        return NameIndex.from_store(self.store)

    def known_iris(self) -> set[str]:
        """Every IRI the context uses, as subject, predicate or object, and its graph names."""
        known = set(self.graphs)
        for q in self.store:
            for term in (q.subject, q.predicate, q.object):
                if isinstance(term, ox.NamedNode):
                    known.add(term.value)
        return known


def validate_upload(triples: list[ox.Triple], context: Context, *, extra: Iterable[ox.Triple] = (),
                    files: dict[str, str] | None = None, names: NameIndex | None = None) -> UploadReport:
    """Validate ``triples`` with lemap's shapes over them plus ``context``; results only for the upload's nodes.

    :param triples: the upload.
    :param context: the graph it refers to.
    :param extra: statements that will stand beside the upload (the partner dataset's description).
    :param files: focus node → the file it came from, for the results.
    :param names: the context's name index (made from ``context`` when not given).
    """
    mixed = Graph()
    for t in triples:
        mixed.add(_rdflib_triple(t, ""))
    for t in extra:
        mixed.add(_rdflib_triple(t, "x"))
    for q in context.store:
        mixed.add(_rdflib_triple(q.triple, "c"))
    report = validation.validate_graph(mixed, files=files)
    own = _own_nodes(triples)
    results = tuple(r for r in report.results if r.focus_node in own)
    conforms = not any(r.severity == "Violation" for r in results)
    described = {t.subject.value for t in extra if isinstance(t.subject, ox.NamedNode)}
    notes = unknown_iris(triples, context, described) + similar_names(triples, context, names or context.names())
    return UploadReport(conforms, results, tuple(notes), len(triples))


def _own_nodes(triples: list[ox.Triple]) -> set[str]:
    return {t.subject.value if isinstance(t.subject, ox.NamedNode) else f"_:{t.subject.value}" for t in triples}


def _rdflib_term(term, bnodes: str):
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(bnodes + term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def _rdflib_triple(t: ox.Triple, bnodes: str):
    return (_rdflib_term(t.subject, bnodes), _rdflib_term(t.predicate, bnodes), _rdflib_term(t.object, bnodes))


def unknown_iris(triples: list[ox.Triple], context: Context, described: set[str] = frozenset()) -> list[UploadNote]:
    """Notes for IRIs under ``https://w3id.org/lemap/`` that neither the graph, the upload nor ``described`` defines."""
    known = context.known_iris() | set(described) | {t.subject.value for t in triples if isinstance(t.subject, ox.NamedNode)}
    missing: dict[str, str] = {}
    for t in triples:
        for term in (t.predicate, t.object):
            if isinstance(term, ox.NamedNode) and term.value.startswith(LEMAP) and term.value not in known:
                missing.setdefault(term.value, t.subject.value)
    notes = []
    for iri, node in sorted(missing.items()):
        near = _nearest(iri, known)
        hint = f"; did you mean {queries.compact(near)}?" if near else ""
        notes.append(UploadNote("unknown-iri", f"{queries.compact(iri)} is not in lemap: nothing has this IRI{hint}",
                                node=node, value=iri, candidates=({"iri": near},) if near else ()))
    return notes


def _nearest(iri: str, known: set[str]) -> str | None:
    folder = iri.rsplit("/", 1)[0] + "/" if "#" not in iri else iri.split("#")[0] + "#"
    siblings = [k for k in known if k.startswith(folder)]
    found = process.extractOne(iri, siblings, scorer=fuzz.ratio, score_cutoff=80) if siblings else None
    return found[0] if found else None


def similar_names(triples: list[ox.Triple], context: Context, names: NameIndex) -> list[UploadNote]:
    """Notes for new IRIs whose name matches an existing entity of the same kind ("did you mean country:MDA?")."""
    known = context.known_iris()
    types: dict[str, set[str]] = defaultdict(set)
    labels: dict[str, list[str]] = defaultdict(list)
    for t in triples:
        s = t.subject.value
        if t.predicate.value == _RDF_TYPE and isinstance(t.object, ox.NamedNode):
            types[s].add(t.object.value)
        elif t.predicate.value in _NAME_PROPERTIES and isinstance(t.object, ox.Literal):
            labels[s].append(t.object.value)
    notes = []
    for node in sorted(labels):
        if node in known or not isinstance(node, str):
            continue
        for kind in sorted(kind_of(types[node], None)):  # untyped nodes and other kinds: too loose to guess
            best = next((c for label in labels[node] for c in names.resolve(label, kind, limit=1)
                         if c.score >= MATCH_SCORE and c.iri != node), None)
            if best:
                notes.append(UploadNote(
                    "did-you-mean", f"{queries.compact(node)} is a new IRI named {best.matched!r}, like "
                    f"{queries.compact(best.iri)} ({best.label}): did you mean {queries.compact(best.iri)}?",
                    node=node, value=best.matched, candidates=(best.to_dict(),)))
                break
    return notes
