"""The code to copy runs: the curl, Python (SPARQLWrapper; requests + pandas) and JavaScript snippets of a
named query page, run as a user would against a live server, give the same rows as the page's API."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
import urllib.request
from html import unescape
from urllib.parse import urlencode

import pytest

#: Each case: a named query and the values of its form (none, a country by name, a name with a typo'd city).
CASES = [
    ("dashboard-people-trained", {}),
    ("adoption-lineage", {"country": "Ukraine"}),
    ("entity-by-name", {"name": "Kiev"}),
]
MARK = "@@ROWS@@"
#: Lines added after each snippet to print the rows it got, as JSON, after a marker.
DUMP = {
    "python-sparqlwrapper": (
        "\nimport json\nprint(" + repr(MARK) + ")\n"
        "print(json.dumps([{k: v['value'] for k, v in b.items()} for b in results['results']['bindings']]))\n"
    ),
    "python-pandas": f"\nimport json\nprint({MARK!r})\nprint(table.fillna('').to_json(orient='records'))\n",
    "javascript": f"\nconsole.log({json.dumps(MARK)});\nconsole.log(JSON.stringify(rows));\n",
}


@pytest.fixture(scope="module")
def curated_live(curated_store):
    from browser import serve
    from webapp import create_app

    app = create_app({"TESTING": True, "LEMAP_WORKERS": 1}, store=curated_store)
    live = serve(app)
    yield live
    live.stop()
    app.extensions["lemap"].close()


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


def page_rows(live, name: str, args: dict) -> list[tuple]:
    """The rows the /q/<name> page shows, from its JSON API: every variable's value, "" when unbound."""
    answer = json.loads(fetch(f"{live.url}/q/{name}.json?{urlencode(args)}"))
    names = answer["head"]["vars"]
    return sorted(tuple(b.get(v, {}).get("value", "") for v in names) for b in answer["results"]["bindings"])


def as_rows(records: list[dict], names: list[str]) -> list[tuple]:
    return sorted(tuple("" if r.get(v) is None else str(r.get(v)) for v in names) for r in records)


def code_for(live, name: str, args: dict) -> dict[str, str]:
    answer = json.loads(fetch(f"{live.url}/api/snippets/{name}?{urlencode(args)}"))
    assert answer["endpoint"] == live.url + "/sparql"
    return {s["id"]: s["code"] for s in answer["snippets"]}


def run(command: list[str], tmp_path) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=tmp_path, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, f"{command[0]} failed:\n{done.stderr}"
    return done.stdout


def printed_rows(output: str) -> list[dict]:
    assert MARK in output, output[-2000:]
    return json.loads(output.split(MARK, 1)[1])


@pytest.mark.parametrize("name, args", CASES, ids=[c[0] for c in CASES])
def test_curl_snippet_gives_the_pages_rows(curated_live, tmp_path, name, args) -> None:
    expected = page_rows(curated_live, name, args)
    assert expected, "the case has rows to compare"
    code = code_for(curated_live, name, args)
    table = list(csv.reader(io.StringIO(run(["bash", "-c", code["curl"]], tmp_path))))
    assert sorted(map(tuple, table[1:])) == expected
    api = list(csv.reader(io.StringIO(run(["bash", "-c", code_for_page_api(curated_live, name, args)], tmp_path))))
    assert sorted(map(tuple, api[1:])) == expected


def code_for_page_api(live, name: str, args: dict) -> str:
    """The page's "curl (named-query API)" snippet (only named-query pages offer it)."""
    html = fetch(f"{live.url}/q/{name}?{urlencode(args)}").decode()
    start = html.index('data-snippet="curl-api"')
    code = html[html.index("<code", start):html.index("</code>", start)]
    return unescape(code.split(">", 1)[1])


@pytest.mark.parametrize("snippet", ["python-sparqlwrapper", "python-pandas"])
@pytest.mark.parametrize("name, args", CASES, ids=[c[0] for c in CASES])
def test_python_snippets_give_the_pages_rows(curated_live, tmp_path, name, args, snippet) -> None:
    expected = page_rows(curated_live, name, args)
    code = code_for(curated_live, name, args)[snippet]
    (tmp_path / "snippet.py").write_text(code + DUMP[snippet], encoding="utf-8")
    output = run([sys.executable, "snippet.py"], tmp_path)
    names = json.loads(fetch(f"{curated_live.url}/q/{name}.json?{urlencode(args)}"))["head"]["vars"]
    assert as_rows(printed_rows(output), names) == expected


@pytest.mark.skipif(shutil.which("node") is None, reason="node comes with npm, which `make assets` needs")
@pytest.mark.parametrize("name, args", CASES[1:2], ids=[CASES[1][0]])
def test_javascript_snippet_gives_the_pages_rows(curated_live, tmp_path, name, args) -> None:
    expected = page_rows(curated_live, name, args)
    (tmp_path / "snippet.mjs").write_text(code_for(curated_live, name, args)["javascript"] + DUMP["javascript"], encoding="utf-8")
    output = run(["node", "snippet.mjs"], tmp_path)
    names = json.loads(fetch(f"{curated_live.url}/q/{name}.json?{urlencode(args)}"))["head"]["vars"]
    assert as_rows(printed_rows(output), names) == expected


def test_a_workbench_query_runs_as_code(curated_live, tmp_path) -> None:
    text = ("PREFIX lm: <https://w3id.org/lemap/ontology#>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
            "SELECT ?country ?name WHERE { ?country a lm:Country ; skos:prefLabel ?name } ORDER BY ?name")
    request = urllib.request.Request(f"{curated_live.url}/api/snippets", data=json.dumps({"query": text}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        code = {s["id"]: s["code"] for s in json.loads(response.read())["snippets"]}
    table = list(csv.reader(io.StringIO(run(["bash", "-c", code["curl"]], tmp_path))))
    assert table[0] == ["country", "name"]
    assert ["https://w3id.org/lemap/id/country/UKR", "Ukraine"] in table
