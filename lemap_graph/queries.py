"""Named queries: ``.rq`` files shipped in ``lemap_graph/sparql/``, their metadata and bound parameters.

Each file stays valid SPARQL; its metadata lives in comments::

    #+ summary: Countries with their ISO 3166-1 codes and UNODC region.
    #+ description: Free text; the line may repeat and the lines are joined.
    #+ tags: countries, reference
    #+ param: _code string an ISO 3166-1 alpha-2, alpha-3 or numeric code
    #+ source: competency question 11

A parameter ``_code`` is the query variable ``?_code``. Its type is one of :data:`PARAM_TYPES`
(``iri``, ``string``, ``integer``, ``date``, ``gYear``, ``country``); a trailing ``?`` (``integer?``)
makes it optional, otherwise it is required. Values are bound by the engine's substitutions
(:func:`bind` + :func:`lemap_graph.store.run_query`), never formatted into the query text, and
pyoxigraph only substitutes variables that are in the SELECT projection, so every parameter is
projected. ``sparql/checks/*-violation.rq`` are data-quality checks: each must return no rows.

>>> q = get_query("countries")
>>> q.summary.startswith("Countries")
True
>>> [p.name for p in get_query("entity-by-name").params]
['_name']
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Mapping

import pyoxigraph as ox

from .namespaces import PREFIXES as _NAMESPACES
from .store import run_query

QUERY_DIR = Path(__file__).resolve().parent / "sparql"
CHECK_DIR = QUERY_DIR / "checks"

#: Parameter types a ``#+ param:`` line may declare.
PARAM_TYPES = ("iri", "string", "integer", "date", "gYear", "country")

_XSD = "http://www.w3.org/2001/XMLSchema#"
_METADATA = re.compile(r"^#\+\s*([A-Za-z]+)\s*:\s*(.*?)\s*$")
_KEYS = ("summary", "description", "tags", "param", "source")

#: Prefixes a CURIE value (``country:AFG``) may use: :data:`lemap_graph.namespaces.PREFIXES`, plus the
#: report's and the named graphs' namespaces.
PREFIXES: dict[str, str] = {
    **_NAMESPACES,
    "report": _NAMESPACES["lmid"] + "report/",
    "lmg": "https://w3id.org/lemap/graph/",
}

# Resolves a country parameter (code or name) to the country's IRI; ?_key is bound by the engine.
# Names are compared lower-cased with spaces and punctuation dropped ("Viet Nam" = "vietnam").
COUNTRY_LOOKUP = """\
PREFIX lm: <https://w3id.org/lemap/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?country ?_key WHERE {
  ?country a lm:Country .
  {
    ?country lm:isoAlpha2|lm:isoAlpha3|lm:isoNumeric ?code .
    FILTER(UCASE(STR(?code)) = UCASE(STR(?_key)))
  } UNION {
    ?country skos:prefLabel|skos:altLabel|skos:hiddenLabel ?label .
    FILTER(REPLACE(LCASE(STR(?label)), "[^\\\\p{L}\\\\p{N}]", "") = REPLACE(LCASE(STR(?_key)), "[^\\\\p{L}\\\\p{N}]", ""))
  }
}
ORDER BY ?country
"""


@dataclass(frozen=True)
class QueryParam:
    """A declared parameter: variable name (``_code``), type, one line of help, and whether it is required."""

    name: str
    type: str
    description: str = ""
    required: bool = True

    @property
    def option(self) -> str:
        """The name without its leading underscore, as ``--param code=…`` spells it."""
        return self.name.lstrip("_")


@dataclass(frozen=True)
class NamedQuery:
    """A SPARQL query with the metadata from its ``#+`` comment lines."""

    name: str
    summary: str
    description: str
    tags: tuple[str, ...]
    params: tuple[QueryParam, ...]
    text: str
    path: Path | None
    source: str = ""

    def param(self, name: str) -> QueryParam | None:
        """The declared parameter called ``name`` (with or without its leading ``_``), or None."""
        for p in self.params:
            if name in (p.name, p.option):
                return p
        return None


def parse_query(text: str, name: str, path: Path | None = None) -> NamedQuery:
    """Read the ``#+`` metadata of a query text into a :class:`NamedQuery`.

    :param text: the SPARQL text with its comment lines.
    :param name: the query's name (the file name without ``.rq``).
    :param path: the file it came from, if any.
    :raises ValueError: for an unknown metadata key or a malformed ``#+ param:`` line (``file:line: …``).

    >>> q = parse_query("#+ summary: One.\\n#+ param: _n integer? how many\\nSELECT ?_n {}", "x")
    >>> q.summary, q.params[0].type, q.params[0].required
    ('One.', 'integer', False)
    """
    meta: dict[str, list[str]] = {k: [] for k in _KEYS}
    params = []
    where = str(path or name)
    for lineno, line in enumerate(text.splitlines(), 1):
        m = _METADATA.match(line.strip())
        if not m:
            continue
        key, value = m.group(1), m.group(2)
        if key not in _KEYS:
            raise ValueError(f"{where}:{lineno}: unknown metadata key {key!r} (known: {', '.join(_KEYS)})")
        if key == "param":
            params.append(_parse_param(value, f"{where}:{lineno}"))
        else:
            meta[key].append(value)
    tags = tuple(t.strip() for v in meta["tags"] for t in v.split(",") if t.strip())
    return NamedQuery(
        name=name,
        summary=" ".join(meta["summary"]),
        description=" ".join(meta["description"]),
        tags=tags,
        params=tuple(params),
        text=text,
        path=path,
        source=" ".join(meta["source"]),
    )


def _parse_param(value: str, where: str) -> QueryParam:
    parts = value.split(None, 2)
    if len(parts) < 2:
        raise ValueError(f"{where}: a param line is '#+ param: _name type description', got {value!r}")
    name, kind = parts[0], parts[1]
    required = not kind.endswith("?")
    kind = kind.rstrip("?")
    if not re.fullmatch(r"_[A-Za-z0-9_]+", name):
        raise ValueError(f"{where}: parameter {name!r} must be a variable name starting with '_'")
    if kind not in PARAM_TYPES:
        raise ValueError(f"{where}: parameter {name} has unknown type {kind!r} (known: {', '.join(PARAM_TYPES)})")
    return QueryParam(name, kind, parts[2] if len(parts) > 2 else "", required)


def load_file(path: str | Path) -> NamedQuery:
    """Read one ``.rq`` file (UTF-8) as a :class:`NamedQuery` named after the file.

    :param path: the ``.rq`` file.
    :raises ValueError: for malformed ``#+`` metadata; ``OSError`` when the file cannot be read.

    >>> load_file(QUERY_DIR / "graphs.rq").source
    'competency question 13'
    """
    path = Path(path)
    return parse_query(path.read_text(encoding="utf-8"), path.name.removesuffix(".rq"), path)


def load_queries(directory: Path = QUERY_DIR) -> list[NamedQuery]:
    """Every named query in ``directory`` (the package's ``sparql/`` by default), sorted by name.

    :param directory: the folder whose ``*.rq`` files are the named queries.

    >>> "graphs" in [q.name for q in load_queries()]
    True
    """
    return sorted((load_file(p) for p in directory.glob("*.rq")), key=lambda q: q.name)


def load_checks(directory: Path = CHECK_DIR) -> list[NamedQuery]:
    """The data-quality checks ``sparql/checks/*-violation.rq`` (each must return no rows), sorted by name.

    :param directory: the folder of the checks.

    >>> all(q.name.endswith("-violation") for q in load_checks())
    True
    """
    return sorted((load_file(p) for p in directory.glob("*-violation.rq")), key=lambda q: q.name)


def get_query(name: str, directory: Path = QUERY_DIR) -> NamedQuery:
    """The named query ``name``.

    :param name: the file name without ``.rq``, e.g. ``countries``.
    :param directory: the folder of the named queries.
    :raises KeyError: when there is none; the message lists the closest names.

    >>> get_query("country-by-iso").name  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    KeyError: "no named query 'country-by-iso'; did you mean: country-by-iso-code, ...? (lemap query --list shows them all)"
    """
    # Names come from URLs too: check the shape before the file system sees them (length, "..").
    if re.fullmatch(r"[A-Za-z0-9_-]{1,120}", name) and (directory / f"{name}.rq").is_file():
        return load_file(directory / f"{name}.rq")
    names = [q.name for q in load_queries(directory)]
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
    close += [n for n in names if name and name.lower() in n.lower() and n not in close][: 3 - len(close)]
    hint = f"did you mean: {', '.join(close)}?" if close else f"known: {', '.join(names)}"
    raise KeyError(f"no named query {name!r}; {hint} (lemap query --list shows them all)")


def bind(query: NamedQuery, values: Mapping[str, str], store: ox.Store) -> dict[str, ox.NamedNode | ox.Literal]:
    """Turn ``--param``-style text values into RDF terms for the engine's substitutions.

    Names may be given with or without their leading ``_``. A query that declares parameters
    accepts only those and needs every required one; a query that declares none (an ad-hoc
    file) accepts any of its variables. Typed values are checked and converted; an untyped one
    is an IRI when written ``<…>`` or as a CURIE with a known prefix, a plain literal otherwise.

    :param query: the query the values are for.
    :param values: parameter name → value as typed by a user.
    :param store: the store (or the engine) a ``country`` parameter is looked up in.
    :return: variable name (without ``?``) → term, for :func:`lemap_graph.store.run_query`.
    :raises ValueError: naming the bad, unknown or missing parameter.

    >>> s = ox.Store()
    >>> bind(get_query("entity-by-name"), {"name": "Kiev"}, s)
    {'_name': <Literal value=Kiev datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#string>>}
    >>> bind(get_query("entity-by-name"), {"nmae": "Kiev"}, s)
    Traceback (most recent call last):
    ...
    ValueError: unknown parameter 'nmae' for query entity-by-name (its parameters: _name)
    """
    if not query.params:
        return {_free_variable(query, k): to_term(v) for k, v in values.items()}
    out: dict[str, ox.NamedNode | ox.Literal] = {}
    for key, value in values.items():
        p = query.param(key)
        if p is None:
            known = ", ".join(p.name for p in query.params)
            raise ValueError(f"unknown parameter {key!r} for query {query.name} (its parameters: {known})")
        out[p.name] = convert(p, value, store)
    missing = [p for p in query.params if p.required and p.name not in out]
    if missing:
        p = missing[0]
        raise ValueError(f"missing parameter {p.name} ({p.type}: {p.description}) for query {query.name}")
    return out


def _free_variable(query: NamedQuery, key: str) -> str:
    for name in (key, "_" + key):
        if re.search(r"[?$]" + re.escape(name) + r"\b", query.text):
            return name
    raise ValueError(f"parameter {key!r} is not a variable of query {query.name}")


def convert(param: QueryParam, value: str, store: ox.Store) -> ox.NamedNode | ox.Literal:
    """One value as the RDF term its declared type asks for.

    :param param: the declared parameter.
    :param value: the value as typed.
    :param store: the store a ``country`` value is looked up in.
    :raises ValueError: naming the parameter when the value does not fit its type.

    >>> convert(QueryParam("_year", "gYear"), "2018", ox.Store()).datatype.value
    'http://www.w3.org/2001/XMLSchema#gYear'
    """
    try:
        return _CONVERTERS[param.type](value.strip(), store)
    except ValueError as e:
        raise ValueError(f"parameter {param.name} ({param.type}): {e}") from None


def to_term(value: str) -> ox.NamedNode | ox.Literal:
    """An untyped value: ``<iri>`` or a CURIE with a known prefix → IRI, anything else → plain literal.

    :param value: the value as typed.

    >>> to_term("country:AFG")
    <NamedNode value=https://w3id.org/lemap/id/country/AFG>
    >>> to_term("Kabul").value
    'Kabul'
    """
    iri = _as_iri(value.strip())
    return iri if iri is not None else ox.Literal(value)


def _as_iri(value: str) -> ox.NamedNode | None:
    if value.startswith("<") and value.endswith(">"):
        return ox.NamedNode(value[1:-1])  # raises ValueError for an invalid IRI
    prefix, sep, local = value.partition(":")
    if sep and prefix in PREFIXES and re.fullmatch(r"[\w.\-]*", local):
        return ox.NamedNode(PREFIXES[prefix] + local)
    return None


def _iri(value: str, store: ox.Store) -> ox.NamedNode:
    iri = _as_iri(value)
    if iri is None and re.match(r"(https?|urn):\S+$", value):
        iri = ox.NamedNode(value)
    if iri is None:
        raise ValueError(f"{value!r} is not an IRI: write <https://…> or a CURIE such as country:AFG")
    return iri


def _integer(value: str, store: ox.Store) -> ox.Literal:
    if not re.fullmatch(r"[+-]?\d+", value):
        raise ValueError(f"{value!r} is not an integer")
    return ox.Literal(str(int(value)), datatype=ox.NamedNode(_XSD + "integer"))


def _date(value: str, store: ox.Store) -> ox.Literal:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)")
    date.fromisoformat(value)  # raises ValueError for 2021-02-30
    return ox.Literal(value, datatype=ox.NamedNode(_XSD + "date"))


def _gyear(value: str, store: ox.Store) -> ox.Literal:
    if not re.fullmatch(r"-?\d{4}", value):
        raise ValueError(f"{value!r} is not a year (YYYY)")
    return ox.Literal(value, datatype=ox.NamedNode(_XSD + "gYear"))


def _string(value: str, store: ox.Store) -> ox.Literal:
    return ox.Literal(value)


def lookup(source, text: str, substitutions: Mapping[str, ox.NamedNode | ox.Literal]):
    """Run a fixed look-up query on a pyoxigraph store, or through an engine (anything with ``query``)."""
    if isinstance(source, ox.Store):
        return run_query(source, text, substitutions=substitutions)
    return source.query(text, substitutions=substitutions)


def resolve_country(value: str, store: ox.Store) -> ox.NamedNode:
    """The IRI of the country with this ISO alpha-2/alpha-3/numeric code, label, or IRI/CURIE.

    :param value: ``AF``, ``afg``, ``4``, ``004``, ``Viet Nam``, ``country:AFG`` …
    :param store: the store (or the engine) whose ``lm:Country`` nodes are searched.
    :raises ValueError: when no country, or more than one, matches.

    >>> s, afg = ox.Store(), ox.NamedNode(PREFIXES["country"] + "AFG")
    >>> s.add(ox.Quad(afg, ox.NamedNode(PREFIXES["rdf"] + "type"), ox.NamedNode(PREFIXES["lm"] + "Country")))
    >>> s.add(ox.Quad(afg, ox.NamedNode(PREFIXES["lm"] + "isoNumeric"), ox.Literal("004")))
    >>> resolve_country("4", s).value
    'https://w3id.org/lemap/id/country/AFG'
    """
    iri = _as_iri(value)
    if iri is not None:
        return iri
    key = value.zfill(3) if value.isdigit() else value
    rows = lookup(store, COUNTRY_LOOKUP, {"_key": ox.Literal(key)}).rows
    found = sorted({r[0].value for r in rows})
    if not found:
        raise ValueError(f"no country has the ISO code or name {value!r}")
    if len(found) > 1:
        raise ValueError(f"{value!r} names {len(found)} countries: {', '.join(found)}")
    return ox.NamedNode(found[0])


_CONVERTERS = {
    "iri": _iri,
    "string": _string,
    "integer": _integer,
    "date": _date,
    "gYear": _gyear,
    "country": resolve_country,
}


def compact(iri: str) -> str:
    """An IRI as a CURIE when a known prefix fits (longest namespace wins), else ``<iri>``.

    :param iri: the IRI.

    >>> compact("https://w3id.org/lemap/id/country/AFG"), compact("http://example.org/x/y")
    ('country:AFG', '<http://example.org/x/y>')
    """
    best = ""
    for prefix, ns in PREFIXES.items():
        local = iri[len(ns):]
        if iri.startswith(ns) and len(ns) > len(PREFIXES.get(best, "")) and re.fullmatch(r"[\w.\-]*", local):
            best = prefix
    return f"{best}:{iri[len(PREFIXES[best]):]}" if best else f"<{iri}>"
