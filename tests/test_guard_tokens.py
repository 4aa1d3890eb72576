"""The guard's fast tokenizer and checks agree, token for token and verdict for verdict, with a plain reading.

The oracle below is the guard as it was before it was made fast: a per-character loop that picks a
regex by the first character, a frozen token per whitespace and comment as well, and one loop per
check. It is kept here, unchanged, so the fast guard can be compared with it on every named query,
on query texts from the other tests, on hostile texts and on seeded random texts built from the
fragments where SPARQL tokenizers go wrong (quotes, escapes, ``<``, ``#``, ``{|``, ``_:``, language
tags, numbers, non-ASCII names).
"""

from __future__ import annotations

import random
import re
from pathlib import Path
from urllib.parse import urljoin

import pytest

from lemap_graph.engine import QueryRejected, guard
from lemap_graph.engine.guard import QUERY_FORMS, UPDATE_KEYWORDS, Token, decode_escapes, line_column, tokenize
from test_hostile_input import HOSTILE

SPARQL = Path(__file__).resolve().parent.parent / "lemap_graph" / "sparql"

# --- the oracle: the guard before it was made fast -----------------------------------------------------

_WS = re.compile(r"\s+")
_IRI = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>")
_VAR = re.compile(r"[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+")
_BNODE = re.compile(r"_:[\w.\-]*")
_LANG = re.compile(r"@[A-Za-z]+(?:-[A-Za-z0-9]+)*")
_NAME = re.compile(r"(?:[^\W\d][\w\-]*(?:\.+[\w\-]+)*)?:(?:[\w\-:%]|\\.)*(?:\.+(?:[\w\-:%]|\\.)+)*|[^\W\d][\w\-]*(?:\.+[\w\-]+)*")
_NUMBER = re.compile(r"\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?")
_SHORT = {q: re.compile(q + r"(?:[^" + q + r"\\\n\r]|\\.)*" + q) for q in ("'", '"')}
_LONG = {q: re.compile(q * 3 + r"(?:[^" + q + r"\\]|\\.|" + q + r"(?!" + q * 2 + r"))*" + q * 3, re.S) for q in ("'", '"')}


def reference_tokens(text: str) -> list[tuple[str, str, int]]:
    """(kind, text, pos) of every token, read one character at a time as the guard first did."""
    out, n, p, no_string_before = [], len(text), 0, {}
    while p < n:
        c, m = text[p], None
        if c.isspace():
            m = _WS.match(text, p)
        elif c == "#":
            end = _line_end(text, p)
            out.append(("comment", text[p:end], p))
            p = end
            continue
        elif c in "'\"":
            m = _string_at(text, p, c, no_string_before)
            if m:
                out.append(("string", m.group(), p))
                p = m.end()
                continue
        elif c == "<":
            m = _IRI.match(text, p)
            if m:
                out.append(("iri", m.group(), p))
                p = m.end()
                continue
        elif c in "?$":
            m = _VAR.match(text, p)
        elif c == "_" and text.startswith("_:", p):
            m = _BNODE.match(text, p)
        elif c == "@":
            m = _LANG.match(text, p)
        elif c.isdigit() or (c == "." and p + 1 < n and text[p + 1].isdigit()):
            m = _NUMBER.match(text, p)
        elif c == ":" or c.isalpha() or c == "_":
            m = _NAME.match(text, p)
        if m and m.end() > p:
            out.append((_kind_of(c), m.group(), p))
            p = m.end()
        elif c == "{" and text.startswith("{|", p):
            out.append(("open", "{|", p))
            p += 2
        elif c == "|" and text.startswith("|}", p):
            out.append(("close", "|}", p))
            p += 2
        else:
            out.append(("open" if c in "{([" else "close" if c in "})]" else "other", c, p))
            p += 1
    return out


def _kind_of(c: str) -> str:
    if c.isspace():
        return "ws"
    if c in "?$":
        return "var"
    if c == "_":
        return "bnode"
    if c == "@":
        return "lang"
    if c.isdigit() or c == ".":
        return "number"
    return "name"


def _line_end(text: str, p: int) -> int:
    ends = [i for i in (text.find("\n", p), text.find("\r", p)) if i >= 0]
    return min(ends) if ends else len(text)


def _string_at(text: str, p: int, quote: str, no_string_before: dict[str, int]):
    long = text.startswith(quote * 3, p)
    key = quote * (3 if long else 1)
    if p < no_string_before.get(key, -1):
        return _SHORT[quote].match(text, p) if long else None
    m = (_LONG if long else _SHORT)[quote].match(text, p)
    if m is None:
        no_string_before[key] = len(text) if long else _line_end(text, p)
        if long:
            return _SHORT[quote].match(text, p)
    return m


def reference_vet(text: str, max_nesting: int, base: str | None) -> tuple:
    """The verdict as the guard first gave it: (form, FROM graphs, FROM NAMED, their places, LIMIT) per reading."""
    decoded, offsets = decode_escapes(text)
    views = [(text, _significant(text), ())] + ([(decoded, _significant(decoded), offsets)] if offsets else [])
    for view in views:
        depth = 0
        for kind, value, pos in view[1]:
            depth = depth + 1 if kind == "open" else max(0, depth - 1) if kind == "close" else depth
            if kind == "open" and depth > max_nesting:
                raise _reject(view, text, pos, f"the query nests brackets deeper than {max_nesting} levels")
    for view in views:
        for kind, value, pos in view[1]:
            if kind == "name" and value.upper() == "SERVICE":
                raise _reject(view, text, pos, "SERVICE is not allowed: this endpoint makes no outbound requests")
    return tuple(_reference_plan(view, text, base) for view in views)


def _significant(text: str) -> list[tuple[str, str, int]]:
    return [t for t in reference_tokens(text) if t[0] not in ("ws", "comment")]


def _original(view, pos: int) -> int:
    before = [(at, orig) for at, orig in view[2] if at <= pos]
    view_at, orig_at = before[-1] if before else (0, 0)
    return orig_at + (pos - view_at)


def _reject(view, text: str, pos: int, message: str) -> QueryRejected:
    return QueryRejected(400, message, *line_column(text, _original(view, pos)))


def _reference_plan(view, text: str, base: str | None) -> tuple:
    tokens, i, prefixes = view[1], 0, {}
    while i < len(tokens) and tokens[i][0] == "name" and tokens[i][1].upper() in ("BASE", "PREFIX"):
        if tokens[i][1].upper() == "BASE" and i + 1 < len(tokens) and tokens[i + 1][0] == "iri":
            base, i = _resolve(tokens[i + 1][1][1:-1], base), i + 2
        elif i + 2 < len(tokens) and tokens[i + 1][0] == "name" and tokens[i + 2][0] == "iri":
            prefixes[tokens[i + 1][1].rstrip(":").split(":")[0]] = _resolve(tokens[i + 2][1][1:-1], base)
            i += 3
        else:
            break
    form = tokens[i][1].upper() if i < len(tokens) and tokens[i][0] == "name" else None
    if form in UPDATE_KEYWORDS:
        raise _reject(view, text, tokens[i][2], f"SPARQL Update ({form}) is not accepted: this endpoint is read-only")
    places = {False: [], True: []}
    for j, (kind, value, pos) in enumerate(tokens):
        if kind == "name" and value.upper() == "FROM":
            named = j + 1 < len(tokens) and tokens[j + 1][0] == "name" and tokens[j + 1][1].upper() == "NAMED"
            iri = _iri_of(tokens[j + 1 + named] if j + 1 + named < len(tokens) else None, prefixes, base)
            if iri is None:
                raise _reject(view, text, pos, "FROM must name a graph of this store by its IRI")
            places[named].append((iri, line_column(text, _original(view, pos))))
    return form if form in QUERY_FORMS else None, tuple(places[False]), tuple(places[True]), _reference_limit(tokens)


def _reference_limit(tokens) -> int | None:
    depth, found = 0, None
    for i, (kind, value, pos) in enumerate(tokens):
        depth = depth + 1 if kind == "open" else max(0, depth - 1) if kind == "close" else depth
        if depth == 0 and kind == "name" and value.upper() == "LIMIT" and i + 1 < len(tokens):
            if tokens[i + 1][0] == "number" and tokens[i + 1][1].isdigit():
                found = int(tokens[i + 1][1])
    return found


def _iri_of(token, prefixes: dict[str, str], base: str | None) -> str | None:
    if token is not None and token[0] == "iri":
        return _resolve(token[1][1:-1], base)
    if token is not None and token[0] == "name" and ":" in token[1]:
        prefix, local = token[1].split(":", 1)
        if prefix in prefixes:
            return prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
    return None


def _resolve(iri: str, base: str | None) -> str:
    return urljoin(base, iri) if base and not re.match(r"[A-Za-z][A-Za-z0-9+.\-]*:", iri) else iri


# --- the corpus ---------------------------------------------------------------------------------------

#: Query texts from the other tests and the README, collected by hand.
BY_HAND = [
    "PREFIX ex: <http://example.org/>\nSELECT ?a WHERE { ?a ex:p ex:o } LIMIT 10 # 12345",
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }",
    "SELECT ?name WHERE { ?s <http://example.org/name> ?name } ORDER BY ?name",
    "SELECT ?s { ?s <http://x/SERVICE> 'it''s' , \"\"\"a\nSERVICE\"\"\" } # SERVICE",
    "FILTER(?a < ?b && ?c<?d)",
    "SELECT * { SERVICE <http://x/> { ?s ?p ?o } }",
    "select * { service <http://x/> { ?s ?p ?o } }",
    "SELECT * { Service SILENT <http://x/> {} }",
    r"SELECT * { \u0053ERVICE <http://x/> {} }",
    r"SELECT * { \u0073\u0065\u0072\u0076\u0069\u0063\u0065 <http://x/> {} }",
    r"SELECT * { \U00000053ERVICE <http://x/> {} }",
    "SELECT * {SERVICE<http://x/>{}}",
    "SELECT * { ?s ?p ?o FILTER(1<2&&EXISTS{SERVICE<http://x/>{}}&&3>2) }",
    "SELECT * { ?s ?p 'x' . # comment\nSERVICE ?s {} }",
    r"SELECT * { ?s ?p 'it\u0027s' SERVICE <http://x/> {} }",
    "SELECT * { ?s ?p 'SERVICE <http://x/> {}' }",
    "SELECT * { ?s ?p \"\"\"\nSERVICE <http://x/> {}\n\"\"\" }",
    "SELECT ?SERVICE { ?SERVICE <http://x/SERVICE> $SERVICE } # SERVICE <http://x/> {}",
    "PREFIX service: <http://x/> SELECT * { ?s service:SERVICE _:SERVICE }",
    "SELECT * { ?s ?p 'x'@service }",
    "SELECT *\nWHERE { BIND('\\u00e9' AS ?x) \\u0053ERVICE <http://x/> {} }",
    "ASK { ?s ?p '{{{{((((' . ?s ?p <x:((((> } # {{{{",
    "ASK {\n { ( [ ] ) } }",
    r"ASK \u007B\u007B\u007B\u007B \u007D\u007D\u007D\u007D",
    "INSERT DATA { <a:b> <a:c> <a:d> }",
    "PREFIX x: <http://x/>\nwith x:g DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "CLEAR ALL",
    "LOAD <http://x/data.ttl>",
    r"\u0044ROP ALL",
    "SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }",
    "PREFIX ex: <http://example.org/>\nSELECT * FROM NAMED ex:graph { }",
    "BASE <http://example.org/>\nSELECT * FROM <graph> { }",
    "SELECT * FROM ?g { }",
    "SELECT * FROM unknown:g { }",
    "SELECT * { { SELECT * {} LIMIT 9 } } LIMIT 5",
    "SELECT ?label ?_name WHERE { ?e rdfs:label ?label FILTER(STR(?label) = ?_name) } ORDER BY ?_name",
    "CONSTRUCT WHERE { ?s ?p ?o }",
    "DESCRIBE <http://example.org/s>",
    "SELECT * { << ?s ?p ?o >> ?q ?r . ?s ?p ?o {| ?q ?r |} }",
    "SELECT * { ?s ?p 1.5e3, .5, 7., -2, +3E-2, 'x'^^xsd:string, \"y\"@en-GB }",
    "PREFIX ex: <http://example.org/> SELECT * { ex:a\\.b ex:c%20d ex:e.f:g _:b.1 }",
    "SELECT ?x WHERE { ?x a [ a ?y ] ; ?p ( 1 2 ) } GROUP BY ?x HAVING (COUNT(?y) > 1) LIMIT 0010",
    "ASK { ?s ?p '''it's\n''' }",
    "ASK { ?s ?p '''''' . ?s ?p \"\"\"\"\"\" . ?s ?p '''' }",
    "SELECT * FROM <http://elsewhere.example/data> { }",
]

FRAGMENTS = [
    "SELECT", "select", "ASK", "CONSTRUCT", "PREFIX", "BASE", "FROM", "from", "NAMED", "LIMIT", "SERVICE", "INSERT",
    "ex:", "ex:a.b", "ex:a..", ":x", ":", "a:b\\.c", "ex:%41", "ex:a:b", "_:b1", "_:", "_x", "_", "_x:y", "?x", "$y",
    "?", "$", "?é", "?a·b", "<http://x/>", "<x:y>", "<a b>", "<", ">", "<<", ">>", "'", '"', "'''", '"""', "''",
    '""', "\\", "\\'", '\\"', "\\\\", "\\u0053ERVICE", "\\U00000041", "\\u007B", "\\uZZZZ", "\\uD800", "#", "# c\n",
    "#'", "\n", "\r", "\r\n", " ", "\t", "{", "}", "{|", "|}", "|", "(", ")", "[", "]", "@en-GB", "@", "@1", "@en-",
    "1", "10", ".5e3", "1.", "1.2E-3", "1e", "e3", ".", "..", "-", "+", "²", "½", "٣", "Ⅻ", "Київ", "日本", "ſervice",
    "\u00a0", "\u2028", "\x1c", "\x00", "😀", "a-b", "·", "\u0300", "%", ",", ";", "&&", "=", "^^", "*", "WHERE",
]


def random_texts(count: int, seed: int) -> list[str]:
    """Texts of 1 to 40 fragments, joined by nothing, a space or a newline, from a fixed seed."""
    rng = random.Random(seed)
    return ["".join(rng.choice(FRAGMENTS) + rng.choice(("", "", " ", "\n")) for _ in range(rng.randint(1, 40)))
            for _ in range(count)]


PATHOLOGICAL = ['"' + '\\"' * 2000, "'''" + "\\'" * 2000, "<a" * 2000, "'\"" * 2000, "a" + "." * 4000 + ":",
                "{" * 300 + "}" * 300, "'''" * 500, "\"'" * 999 + "\n" + "'" * 999, "#" * 3000, "x" * 5000]
NAMED = sorted(SPARQL.rglob("*.rq"))
CORPUS = [p.read_text(encoding="utf-8") for p in NAMED] + BY_HAND + list(HOSTILE) + PATHOLOGICAL + random_texts(1500, 14)


def test_the_corpus_reaches_every_kind_and_every_named_query() -> None:
    kinds = {kind for text in CORPUS for kind, _, _ in reference_tokens(text)}
    assert kinds == {"ws", "comment", "string", "iri", "var", "bnode", "lang", "name", "number", "open", "close", "other"}
    assert len(NAMED) > 40


def test_tokens_agree_with_the_reference_reading() -> None:
    for text in CORPUS:
        assert [tuple(t) for t in tokenize(text)] == reference_tokens(text), text


def test_significant_tokens_skip_whitespace_and_comments_as_the_reference_does() -> None:
    for text in CORPUS:
        assert [tuple(t) for t in guard._significant(text)] == _significant(text), text


def test_tokens_keep_their_names_and_shape() -> None:
    token = next(tokenize("SELECT"))
    assert isinstance(token, Token) and (token.kind, token.text, token.pos) == ("name", "SELECT", 0)
    assert repr(token) == "Token(kind='name', text='SELECT', pos=0)"


LONG_RUNS = ["²" * 100_000, "½" * 100_000, "é" * 30_000, "'" * 30_000, '"' * 30_000, "'''" * 10_000,
             '"' + '\\"' * 15_000, "'''" + "\\'" * 15_000, "<a" * 15_000, "a" + "." * 30_000 + ":",
             "ex:" + "a." * 15_000, "_" * 30_000, "?" * 30_000, "{" * 30_000, ("'\\'" * 50 + "\n") * 200]


@pytest.mark.parametrize("text", LONG_RUNS, ids=lambda text: repr(text[:8]))
def test_long_runs_are_read_in_one_pass_and_as_the_reference_reads_them(text) -> None:
    """Each would take a minute or more if the fast tokenizer scanned a run again at each of its characters."""
    assert [tuple(t) for t in tokenize(text)] == reference_tokens(text)


def verdict(vet, text: str, max_nesting: int, base: str | None) -> tuple:
    """A reading's plans as plain tuples, or the refusal's status, message, line and column."""
    try:
        plans = vet(text, max_nesting, base)
    except QueryRejected as refused:
        return ("refused", refused.status, refused.message, refused.line, refused.column)
    return ("plans", plans)


def fast_vet(text: str, max_nesting: int, base: str | None) -> tuple:
    plans = guard._vet(text, 1_000_000, max_nesting, base)
    return tuple((p.form, tuple(p.from_places[: len(p.from_graphs)]), tuple(p.from_places[len(p.from_graphs):]), p.limit)
                 for p in plans)


@pytest.mark.parametrize("max_nesting", [64, 2])
def test_verdicts_agree_with_the_reference_guard(max_nesting) -> None:
    refused = 0
    for text in CORPUS:
        expected = verdict(reference_vet, text, max_nesting, "http://example.org/base/")
        assert verdict(fast_vet, text, max_nesting, "http://example.org/base/") == expected, text
        refused += expected[0] == "refused"
    assert 100 < refused < len(CORPUS) - 100  # both answers are well represented


def test_plans_say_the_same_through_check_query() -> None:
    graphs = frozenset({"http://example.org/g", "http://example.org/graph"})
    for text in BY_HAND + list(HOSTILE):
        try:
            plan = guard.check_query(text, graphs=graphs)
            got = ("plan", plan.form, plan.from_graphs, plan.from_named, plan.limit, plan.result_kind)
        except QueryRejected as refused:
            got = ("refused", refused.status, refused.message, refused.line, refused.column)
        assert got == verdict_through_check(text, graphs), text


def verdict_through_check(text: str, graphs: frozenset[str]) -> tuple:
    """What check_query answers, worked out from the reference reading and the FROM rule."""
    found = verdict(reference_vet, text, 64, None)
    if found[0] == "refused":
        return found
    for form, default, named, limit in found[1]:
        for iri, (line, col) in default + named:
            if iri not in graphs:
                message = f"FROM <{iri}>: no such graph in this store (graphs are never fetched from the web)"
                return ("refused", 400, message, line, col)
    form, default, named, limit = found[1][-1]
    return ("plan", form, tuple(i for i, _ in default), tuple(i for i, _ in named), limit, QUERY_FORMS.get(form or ""))
