"""Bound parameters for servers that take no substitutions: each variable is written as its value, token by token.

The embedded engine hands substitutions to pyoxigraph, which replaces the variables by their
values before evaluation. A SPARQL server only takes text, so the same happens here on the
query's tokens (never by string search): in a projection ``?_x`` becomes ``(value AS ?_x)`` so the
column stays, after ``GROUP BY`` / ``ORDER BY`` / ``HAVING`` it becomes ``(value)``, elsewhere the
value itself. Values are written in N-Triples syntax, escaped by pyoxigraph, so user input never
changes the query's structure.
"""

from __future__ import annotations

from typing import Any, Mapping

import pyoxigraph as ox

from .errors import QueryError
from .guard import Token, tokenize

_MODIFIERS = {"GROUP", "ORDER", "HAVING"}
_BODY = {"WHERE", "FROM", "LIMIT", "OFFSET", "VALUES"}


def substitute(text: str, substitutions: Mapping[str, Any] | None) -> str:
    """The query text with each substituted variable replaced by its value.

    :param text: the SPARQL query.
    :param substitutions: variable name (without ``?``) → pyoxigraph term.
    :raises QueryError: (400) when a SELECT query does not project a substituted variable, as pyoxigraph does.

    >>> substitute("SELECT ?x ?_n WHERE { ?x ?p ?_n } ORDER BY ?_n", {"_n": ox.Literal("a")})
    'SELECT ?x ("a" AS ?_n) WHERE { ?x ?p "a" } ORDER BY ("a")'
    """
    if not substitutions:
        return text
    values = {name: _written(term) for name, term in substitutions.items()}
    tokens = list(tokenize(text))
    projections = _projections(tokens)
    if projections and "*" not in projections[0]:
        for name in values:
            if name not in projections[0]:
                raise QueryError(400, f"The SPARQL query does not contains variable ?{name} in its SELECT projection")
    inner = _bound_by_subqueries(tokens, projections)
    out, last, mode, depth, selects, braces = [], 0, "body", 0, 0, 0
    scopes: list[tuple[int, set[str]]] = [(-1, set())]  # (brace depth of a SELECT, what its subqueries bind)
    for token in tokens:
        word = token.text.upper() if token.kind == "name" else ""
        braces += {"{": 1, "}": -1}.get(token.text, 0) if token.kind in ("open", "close") else 0
        while braces < scopes[-1][0]:
            scopes.pop()
        if word == "SELECT":
            mode, depth, selects = "projection", 0, selects + 1
            scopes.append((braces, inner[selects - 1]))
        elif mode == "projection":
            depth += {"(": 1, ")": -1}.get(token.text, 0)
            if depth == 0 and (token.text == "{" or word in ("WHERE", "FROM")):
                mode = "body"
        elif word in _MODIFIERS:
            mode = "modifier"
        elif mode == "modifier" and (token.text in ("{", "}") or word in _BODY):
            mode = "body"
        if token.kind == "var" and token.text[1:] in values:
            out.append(text[last:token.pos] + _replacement(token.text, values[token.text[1:]], mode, depth, scopes[-1][1]))
            last = token.pos + len(token.text)
    out.append(text[last:])
    return "".join(out)


def _replacement(variable: str, value: str, mode: str, depth: int, bound_inside: set[str]) -> str:
    # A variable a subquery already binds (it projects the value) stays a variable around it.
    if mode == "projection" and depth == 0:
        return variable if variable[1:] in bound_inside else f"({value} AS {variable})"
    if mode == "modifier":
        return variable if variable[1:] in bound_inside else f"({value})"
    return value


def _bound_by_subqueries(tokens: list[Token], projections: list[set[str]]) -> list[set[str]]:
    """For each SELECT (in text order), the variables its direct subqueries project."""
    inner: list[set[str]] = [set() for _ in projections]
    open_selects: list[tuple[int, int]] = []  # (brace depth, index)
    braces, selects = 0, 0
    for token in tokens:
        if token.kind in ("open", "close"):
            braces += {"{": 1, "}": -1}.get(token.text, 0)
        while open_selects and braces < open_selects[-1][0]:
            open_selects.pop()
        if token.kind == "name" and token.text.upper() == "SELECT":
            if open_selects:
                inner[open_selects[-1][1]] |= projections[selects]
            open_selects.append((braces, selects))
            selects += 1
    return inner


def _written(term: Any) -> str:
    if not isinstance(term, (ox.NamedNode, ox.Literal, ox.BlankNode)):
        term = ox.Literal(str(term))
    return str(term)


def _projections(tokens: list[Token]) -> list[set[str]]:
    """The variables each SELECT projects, in text order ("*" for SELECT *)."""
    significant = [t for t in tokens if t.kind not in ("ws", "comment")]
    found = []
    for i, t in enumerate(significant):
        if t.kind == "name" and t.text.upper() == "SELECT":
            found.append(_projected(significant[i + 1:]))
    return found


def _projected(tokens: list[Token]) -> set[str]:
    projected, depth, previous = set(), 0, ""
    for t in tokens:
        if depth == 0 and (t.text == "{" or (t.kind == "name" and t.text.upper() in ("WHERE", "FROM"))):
            break
        if t.text == "*" and depth == 0:
            projected.add("*")
        depth += {"(": 1, ")": -1}.get(t.text, 0)
        if t.kind == "var" and (depth == 0 or previous == "AS"):
            projected.add(t.text[1:])
        previous = t.text.upper()
    return projected
