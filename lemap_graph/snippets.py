"""Code to copy: a query as ready-to-run curl, Python, R and JavaScript that asks lemap's SPARQL endpoint.

Every snippet sends the query to the endpoint's absolute URL with an ``Accept`` header for the
answer it reads (CSV for curl and R, SPARQL JSON for Python and JavaScript; Turtle for CONSTRUCT and
DESCRIBE), by ``POST`` so that long queries fit. A named query's parameter values are written into
the query text the way the engine binds them (:func:`bind_values`: each ``?_name`` becomes its value),
so the snippet returns the same rows as the ``/q/<name>`` page and still runs at any SPARQL 1.1
endpoint. For a named query, ``api_url`` adds a one-line curl of its ``/q/<name>.csv`` API as well.

>>> import pyoxigraph as ox
>>> code = {s.id: s for s in snippets("ASK { ?s ?p ?o }", "http://localhost:5000/sparql")}
>>> sorted(code)
['curl', 'javascript', 'python-pandas', 'python-sparqlwrapper', 'r-httr']
>>> print(code["curl"].code, end="")
curl -sS 'http://localhost:5000/sparql' \\
  -H 'Accept: text/csv' \\
  --data-urlencode query@- <<'SPARQL'
ASK { ?s ?p ?o }
SPARQL
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Mapping

import pyoxigraph as ox

from .engine import tokenize

__all__ = ["Snippet", "bind_values", "query_kind", "snippets"]

#: Media types the snippets ask for, by what they read.
SPARQL_JSON = "application/sparql-results+json"
CSV = "text/csv"
TURTLE = "text/turtle"

#: What each query form answers: a table (SELECT, ASK) or a graph (CONSTRUCT, DESCRIBE).
QUERY_FORMS = {"SELECT": "results", "ASK": "results", "CONSTRUCT": "graph", "DESCRIBE": "graph"}
# Keywords that end a SELECT projection or a GROUP BY / ORDER BY list.
_CLAUSE_ENDS = frozenset({"WHERE", "FROM", "HAVING", "LIMIT", "OFFSET", "VALUES", "GROUP", "ORDER"})


@dataclass(frozen=True)
class Snippet:
    """Code for one query in one language: ``id`` (``curl``, ``python-sparqlwrapper`` …), a label, its language, the code."""

    id: str
    label: str
    language: str
    code: str


def query_kind(text: str) -> str:
    """``results`` for SELECT and ASK, ``graph`` for CONSTRUCT and DESCRIBE (the first query keyword decides).

    :param text: the SPARQL query.

    >>> query_kind("PREFIX ex: <http://ex/> CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    'graph'
    """
    for token in tokenize(text):
        if token.kind == "name" and token.text.upper() in QUERY_FORMS:
            return QUERY_FORMS[token.text.upper()]
    return "results"


def bind_values(text: str, bindings: Mapping[str, ox.NamedNode | ox.Literal] | None) -> str:
    """The query with each bound variable written in as its value, as the engine's substitution binds it.

    The variable becomes its value wherever it is used; the outermost SELECT projects it as
    ``(value AS ?name)``, a sub-select drops it, and GROUP BY / ORDER BY keep ``(value)``, so the
    query still parses and still returns the parameter as a column.

    :param text: the query text (a named query's ``.rq`` text, say).
    :param bindings: variable name (without ``?``) → pyoxigraph term, as :func:`lemap_graph.queries.bind` gives.

    >>> q = "SELECT ?label ?_name WHERE { ?e rdfs:label ?label FILTER(STR(?label) = ?_name) } ORDER BY ?_name"
    >>> bind_values(q, {"_name": ox.Literal("Kiev")})
    'SELECT ?label ("Kiev" AS ?_name) WHERE { ?e rdfs:label ?label FILTER(STR(?label) = "Kiev") } ORDER BY ("Kiev")'
    """
    if not bindings:
        return text
    out: list[str] = []
    braces, parens, clause, previous = 0, 0, "", ""
    for token in tokenize(text):
        word = token.text.upper() if token.kind == "name" else ""
        if word == "SELECT" or (word == "BY" and previous in ("GROUP", "ORDER")):
            clause, parens = ("select-top" if braces == 0 else "select-sub") if word == "SELECT" else "modifier", 0
        elif word in _CLAUSE_ENDS or token.text in ("{", "}"):
            clause = ""
        if token.kind == "open" or token.kind == "close":
            step = 1 if token.kind == "open" else -1
            braces += step if token.text in "{}" else 0
            parens += step if token.text in "()" else 0
        if token.kind == "var" and token.text[1:] in bindings and previous != "AS":
            written = _written(token.text, str(bindings[token.text[1:]]), clause if parens == 0 else "")
            if not written and out and out[-1].isspace():
                out.pop()  # a sub-select's dropped variable takes its space along
            out.append(written)
        else:
            out.append(token.text)
        if token.kind not in ("ws", "comment"):
            previous = word or token.text
    return "".join(out)


def _without_metadata(text: str) -> str:
    """The query without a named query's ``#+`` metadata lines (comments a program does not need)."""
    return "".join(line for line in text.splitlines(keepends=True) if not line.lstrip().startswith("#+"))


def _written(variable: str, value: str, clause: str) -> str:
    if clause == "select-top":
        return f"({value} AS {variable})"
    if clause == "select-sub":
        return ""
    return f"({value})" if clause == "modifier" else value


def snippets(
    text: str,
    endpoint: str,
    *,
    bindings: Mapping[str, ox.NamedNode | ox.Literal] | None = None,
    api_url: str | None = None,
) -> tuple[Snippet, ...]:
    """Ready-to-run code that sends ``text`` (with ``bindings`` written in) to ``endpoint``.

    :param text: the SPARQL query.
    :param endpoint: the endpoint's absolute URL, e.g. ``https://lemap.example.org/sparql``.
    :param bindings: parameter values to write into the query (see :func:`bind_values`).
    :param api_url: a named query's absolute ``/q/<name>.csv?…`` URL: adds a curl of that API.

    >>> [s.label for s in snippets("SELECT * {}", "http://x/sparql", api_url="http://x/q/countries.csv")][:2]
    ['curl', 'curl (named-query API)']
    """
    query = bind_values(_without_metadata(text), bindings).strip("\n") + "\n"
    graph = query_kind(query) == "graph"
    found = [_curl(query, endpoint, graph)]
    if api_url:
        found.append(Snippet("curl-api", "curl (named-query API)", "shell", f"curl -sS {_shell_quote(api_url)}\n"))
    found += [
        _python_sparqlwrapper(query, endpoint, graph),
        _python_pandas(query, endpoint, graph),
        _r_httr(query, endpoint, graph),
        _javascript(query, endpoint, graph),
    ]
    return tuple(found)


# ---------------------------------------------------------------- one language each


def _curl(query: str, endpoint: str, graph: bool) -> Snippet:
    word = _heredoc_word(query)
    code = (
        f"curl -sS {_shell_quote(endpoint)} \\\n"
        f"  -H 'Accept: {TURTLE if graph else CSV}' \\\n"
        f"  --data-urlencode query@- <<'{word}'\n{query}{word}\n"
    )
    return Snippet("curl", "curl", "shell", code)


def _python_sparqlwrapper(query: str, endpoint: str, graph: bool) -> Snippet:
    head = (
        "# pip install sparqlwrapper\n"
        f"from SPARQLWrapper import {'TURTLE' if graph else 'JSON'}, POST, SPARQLWrapper\n\n"
        f"ENDPOINT = {_python_string(endpoint)}\n"
        f"QUERY = {_python_string(query)}\n\n"
        "sparql = SPARQLWrapper(ENDPOINT)\n"
        "sparql.setMethod(POST)\n"
        "sparql.setQuery(QUERY)\n"
    )
    if graph:
        body = "sparql.setReturnFormat(TURTLE)\nprint(sparql.query().response.read().decode(\"utf-8\"))\n"
    else:
        body = (
            "sparql.setReturnFormat(JSON)\n"
            "results = sparql.queryAndConvert()\n\n"
            "if \"boolean\" in results:  # an ASK query\n"
            "    print(results[\"boolean\"])\n"
            "for binding in results.get(\"results\", {}).get(\"bindings\", []):\n"
            "    print({name: term[\"value\"] for name, term in binding.items()})\n"
        )
    return Snippet("python-sparqlwrapper", "Python (SPARQLWrapper)", "python", head + body)


def _python_pandas(query: str, endpoint: str, graph: bool) -> Snippet:
    head = (
        f"# pip install requests{'' if graph else ' pandas'}\n"
        + ("" if graph else "import pandas as pd\n")
        + "import requests\n\n"
        f"ENDPOINT = {_python_string(endpoint)}\n"
        f"QUERY = {_python_string(query)}\n\n"
        "response = requests.post(\n"
        "    ENDPOINT,\n"
        "    data={\"query\": QUERY},\n"
        f"    headers={{\"Accept\": \"{TURTLE if graph else SPARQL_JSON}\"}},\n"
        "    timeout=60,\n"
        ")\n"
        "response.raise_for_status()\n"
        "if response.headers.get(\"X-Lemap-Truncated\"):\n"
        "    print(\"Note: the endpoint cut the answer at its row limit.\")\n"
    )
    if graph:
        return Snippet("python-pandas", "Python (requests)", "python", head + "print(response.text)\n")
    body = (
        "answer = response.json()\n"
        "# Every value comes as text: convert a column with pd.to_numeric(table[name]) where you need numbers.\n"
        "rows = [{name: term[\"value\"] for name, term in binding.items()}\n"
        "        for binding in answer.get(\"results\", {}).get(\"bindings\", [])]\n"
        "table = pd.DataFrame(rows, columns=answer[\"head\"].get(\"vars\", []))\n"
        "print(answer[\"boolean\"] if \"boolean\" in answer else table)\n"
    )
    return Snippet("python-pandas", "Python (requests + pandas)", "python", head + body)


def _r_httr(query: str, endpoint: str, graph: bool) -> Snippet:
    head = (
        "# install.packages(\"httr\")\n"
        "library(httr)\n\n"
        f"endpoint <- {_r_string(endpoint)}\n"
        f"query <- {_r_string(query)}\n\n"
        "response <- POST(endpoint, body = list(query = query), encode = \"form\",\n"
        f"                 add_headers(Accept = \"{TURTLE if graph else CSV}\"))\n"
        "stop_for_status(response)\n"
    )
    if graph:
        body = "cat(content(response, as = \"text\", encoding = \"UTF-8\"))\n"
    else:
        body = (
            "table <- read.csv(text = content(response, as = \"text\", encoding = \"UTF-8\"),\n"
            "                  stringsAsFactors = FALSE, check.names = FALSE)\n"
            "print(table)\n"
        )
    return Snippet("r-httr", "R (httr)", "r", head + body)


def _javascript(query: str, endpoint: str, graph: bool) -> Snippet:
    head = (
        "// In a browser console, or in Node.js 18+ as an ES module (node snippet.mjs).\n"
        f"const endpoint = {_js_string(endpoint)};\n"
        f"const query = {_js_template(query)};\n\n"
        "const response = await fetch(endpoint, {\n"
        "  method: \"POST\",\n"
        f"  headers: {{ \"Accept\": \"{TURTLE if graph else SPARQL_JSON}\" }},\n"
        "  body: new URLSearchParams({ query }),\n"
        "});\n"
        "if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}`);\n"
    )
    if graph:
        body = "console.log(await response.text());\n"
    else:
        body = (
            "const answer = await response.json();\n"
            "const rows = (answer.results?.bindings ?? []).map((binding) =>\n"
            "  Object.fromEntries(Object.entries(binding).map(([name, term]) => [name, term.value])));\n"
            "console.table(\"boolean\" in answer ? [{ answer: answer.boolean }] : rows);\n"
        )
    return Snippet("javascript", "JavaScript (fetch)", "javascript", head + body)


# ---------------------------------------------------------------- quoting, one rule per language


def _shell_quote(text: str) -> str:
    """A POSIX shell word in single quotes (a quote inside is closed, escaped and reopened)."""
    return "'" + text.replace("'", "'\\''") + "'"


def _heredoc_word(query: str) -> str:
    """A here-document delimiter that is not a line of the query."""
    word, lines = "SPARQL", set(query.splitlines())
    while word in lines:
        word += "_END"
    return word


def _python_string(text: str) -> str:
    """A raw triple-quoted string when the text allows it (regexes stay readable), else an escaped literal.

    >>> _python_string("a\\\\p{L}\\n")[:7], _python_string("one line")
    ('r\"\"\"a\\\\p', '"one line"')
    """
    if "\n" in text and '"""' not in text and not text.endswith(("\\", '"')) and "\r" not in text:
        return 'r"""' + text + '"""'
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a Python string literal too


def _r_string(text: str) -> str:
    """A plain R string for a simple line, else an R 4.0 raw string ``r"-(…)-"`` the text cannot close."""
    if not re.search(r'["\\\n\r]', text):
        return f'"{text}"'
    dashes = ""
    while f"){dashes}\"" in text:
        dashes += "-"
    return f'r"{dashes}({text}){dashes}"'


def _js_string(text: str) -> str:
    """A JavaScript string literal (double quotes)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return '"' + re.sub(r"[\u2028\u2029]", lambda m: f"\\u{ord(m.group()):04x}", escaped) + '"'


def _js_template(text: str) -> str:
    """A JavaScript template literal: backslashes, backticks and ``${`` escaped, so the text is exact."""
    return "`" + text.replace("\\", "\\\\").replace("`", "\\`").replace("${", "\\${") + "`"
