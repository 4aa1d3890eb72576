"""Readable SPARQL syntax errors: one line saying what is wrong and where, instead of the parser's dump.

The parser reports what it expected as a list of grammar tokens and character classes
(``expected one of Prefix not found, ['%'], ['-' | '0' ..= '9' …``). The commonest cause, a query
pasted without its PREFIX lines, is found here from the query text itself: the first prefixed name
whose prefix is never declared, and, when lemap knows that prefix, the line to add.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

from .engine import line_column, tokenize

#: Most expected tokens a readable message lists.
MAX_EXPECTED = 8
_CLASS = re.compile(r"\[[^\[\]]*\]")  # a character class such as ['A' ..= 'Z' | 'a' ..= 'z']
_ITEM = re.compile(r'"(?:[^"\\]|\\.)*"|[A-Za-z][\w ]*[\w]')  # a quoted token or a grammar rule's name


@dataclass(frozen=True)
class SyntaxProblem:
    """A syntax error in words: the message and where it is (1-based line and column, or None)."""

    message: str
    line: int | None
    column: int | None


def declared_prefixes(text: str) -> set[str]:
    """The prefixes the query declares with ``PREFIX p: <…>``.

    >>> sorted(declared_prefixes("PREFIX lm: <x:> prefix : <y:> SELECT * {}"))
    ['', 'lm']
    """
    tokens = [t for t in tokenize(text) if t.kind not in ("ws", "comment")]
    return {
        tokens[i + 1].text[:-1]
        for i in range(len(tokens) - 2)
        if tokens[i].kind == "name" and tokens[i].text.upper() == "PREFIX"
        and tokens[i + 1].text.endswith(":") and tokens[i + 2].kind == "iri"
    }


def undeclared_prefix(text: str, known: Mapping[str, str]) -> SyntaxProblem | None:
    """The first prefixed name whose prefix the query does not declare, as a problem to show; else None.

    :param text: the query text.
    :param known: the prefixes lemap knows (prefix → namespace), offered as the fix.

    >>> p = undeclared_prefix("SELECT * WHERE {\\n  ?s a lm:Country }", {"lm": "https://w3id.org/lemap/ontology#"})
    >>> p.message, p.line, p.column
    ('unknown prefix `lm:` — lemap knows it: add `PREFIX lm: <https://w3id.org/lemap/ontology#>`', 2, 8)
    """
    declared = declared_prefixes(text)
    tokens = [t for t in tokenize(text) if t.kind not in ("ws", "comment")]
    for before, token in zip([None, *tokens], tokens):
        if token.kind != "name" or ":" not in token.text:
            continue
        if before is not None and before.kind == "name" and before.text.upper() == "PREFIX":
            continue
        prefix = token.text.split(":", 1)[0]
        if prefix in declared:
            continue
        line, column = line_column(text, token.pos)
        if prefix in known:
            fix = f"lemap knows it: add `PREFIX {prefix}: <{known[prefix]}>`"
        else:
            fix = f"declare it with `PREFIX {prefix}: <…>` before the query"
        return SyntaxProblem(f"unknown prefix `{prefix}:` — {fix}", line, column)
    return None


def plain_expectation(message: str) -> str:
    """The parser's "expected one of …" with character classes left out and at most a few tokens.

    >>> plain_expectation("expected one of \\",\\", \\".\\", ['0' ..= '9'], ['_'], \\"}\\"")
    'expected one of ",", ".", "}" (or a name)'
    """
    head, sep, rest = message.partition("expected one of ")
    if not sep:
        return " ".join(message.split())
    had_classes = bool(_CLASS.search(rest))
    items = [i.strip() for i in _ITEM.findall(_CLASS.sub("", rest))]
    items = [i for i in items if i != "Prefix not found"]
    shown = items[:MAX_EXPECTED] + (["…"] if len(items) > MAX_EXPECTED else [])
    tail = " (or a name)" if had_classes else ""
    return f"{head}expected one of {', '.join(shown)}{tail}" if shown else f"{head}unexpected text here"


def readable(text: str, message: str, line: int | None, column: int | None, known: Mapping[str, str]) -> SyntaxProblem:
    """One readable line for a syntax error of ``text`` that the parser reported as ``message``.

    An undeclared prefix anywhere in the query is named first (the parser's own position is often
    past it); otherwise the parser's expectation, trimmed.
    """
    found = undeclared_prefix(text, known)
    if found is not None:
        return found
    detail = plain_expectation(message.removeprefix("SPARQL syntax error: "))
    where = f" at line {line}, column {column}" if line is not None else ""
    return SyntaxProblem(f"SPARQL syntax error{where}: {detail}", line, column)
