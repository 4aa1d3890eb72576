"""What the ``lemap`` commands print: made things on standard output, notes and errors on standard error, tables.

Every command reports unusable input or a failed run by raising :class:`CLIError`, which
:func:`lemap_graph.cli.main` prints as ``lemap <command>: error: <message>`` and turns into the exit status.
"""

from __future__ import annotations

import re
import sys
from typing import Sequence

import pyoxigraph as ox

from .. import queries

PROG = "lemap"
TABLE_WIDTH = 80  # widest table cell before it is cut with "…"


class CLIError(Exception):
    """An error to report on stderr as ``lemap <command>: error: <message>`` with exit ``code``."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


def note(text: str) -> None:
    """Say ``lemap: text`` on standard error."""
    print(f"{PROG}: {text}", file=sys.stderr)


def write(data: bytes | str) -> None:
    """Write what a command made to standard output, as bytes where the stream takes them."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a text-only stream (doctest, some IDEs)
        sys.stdout.write(data.decode("utf-8"))
        return
    sys.stdout.flush()
    buffer.write(data)
    buffer.flush()


def used_prefixes(terms) -> dict[str, str]:
    """The prefixes of :data:`queries.PREFIXES` that shorten at least one of these IRIs (graph names excepted).

    >>> used_prefixes([ox.NamedNode("https://w3id.org/lemap/id/country/AFG")])
    {'country': 'https://w3id.org/lemap/id/country/'}
    """
    iris = {t.value for t in terms if isinstance(t, ox.NamedNode)}
    out = {}
    for prefix, ns in queries.PREFIXES.items():
        if prefix != "lmg" and any(i.startswith(ns) and re.fullmatch(r"[\w.\-]+", i[len(ns):]) for i in iris):
            out[prefix] = ns
    return out


def terms_of(statements):
    """Every subject, predicate and object of these triples or quads, in order."""
    for s in statements:
        yield from (s.subject, s.predicate, s.object)


def cell(term) -> str:
    """One RDF term as a table cell: IRIs as CURIEs where a prefix fits, literals as their text."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return queries.compact(term.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return " ".join(term.value.split())
    return str(term)


def render_table(header: Sequence[str], rows: Sequence[Sequence[str]], *, footer: bool = True) -> str:
    """Rows of text as an aligned plain-text table, cells cut at :data:`TABLE_WIDTH` characters.

    >>> print(render_table(["a", "bb"], [["x", "1"], ["yyy", "22"]]), end="")
    a    bb
    ---  --
    x    1
    yyy  22
    (2 rows)
    """
    cut = [[c if len(c) <= TABLE_WIDTH else c[: TABLE_WIDTH - 1] + "…" for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cut]) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cut]
    if footer:
        lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


def render_validation(report, files: int) -> str:
    """A validation report as text: one block per focus node (file, node), one line per result."""
    groups: dict[tuple[str, str], list] = {}
    for r in report.results:
        groups.setdefault((r.file or "(no file)", r.focus_node), []).append(r)
    lines = []
    for (file, node), results in sorted(groups.items()):
        lines.append(f"{file}: {_show(node)}")
        for r in sorted(results, key=lambda r: (r.path or "", r.value or "", r.message, r.source_shape)):
            where = _show(r.path) if r.path else "(node)"
            value = f" = {_show(r.value)}" if r.value is not None else ""
            lines.append(f"    {where}{value}: {r.message} [{r.severity}, {_show(r.source_shape)}]")
    violations = sum(1 for r in report.results if r.severity == "Violation")
    others = len(report.results) - violations
    if report.conforms:
        summary = f"conforms: {files} file{'s' if files != 1 else ''} checked, no violations"
    else:
        summary = f"does not conform: {violations} violation{'s' if violations != 1 else ''} on {len(groups)} node{'s' if len(groups) != 1 else ''}"
    if others:
        summary += f" (+{others} at Warning or Info severity)"
    lines.append(summary)
    return "\n".join(lines) + "\n"


def _show(text: str | None) -> str:
    """An IRI as a CURIE (or ``<iri>``); literals in N3 form, blank nodes and paths as they are."""
    if not text:
        return ""
    return queries.compact(text) if re.match(r"(https?|urn):\S+$", text) else text
