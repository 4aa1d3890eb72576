"""SPARQL Update text that writes triples to a server in pieces Virtuoso and Oxigraph both accept."""

from __future__ import annotations

from typing import Iterable

import pyoxigraph as ox


def inserts(graph: ox.NamedNode, triples: list[ox.Triple], batch: int = 200) -> list[str]:
    """Insert operations in batches Virtuoso compiles (it caps the SQL one operation generates).

    Triples without blank nodes go in ``INSERT DATA``; triples sharing blank nodes go together in
    one ``INSERT { … } WHERE {}`` template, since Virtuoso refuses blank nodes in INSERT DATA and a
    template keeps a shared blank node one node.

    >>> g, p = ox.NamedNode("http://example.org/g"), ox.NamedNode("http://example.org/p")
    >>> inserts(g, [ox.Triple(g, p, ox.Literal("o")), ox.Triple(ox.BlankNode("b"), p, ox.Literal("x"))])
    ['INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/g> <http://example.org/p> "o" . } }', 'INSERT { GRAPH <http://example.org/g> { _:b <http://example.org/p> "x" . } } WHERE {}']
    """
    ground = [t for t in triples if not _has_blank(t)]
    operations = [f"INSERT DATA {{ GRAPH {graph} {{ {_block(ground[i:i + batch])} }} }}" for i in range(0, len(ground), batch)]
    template: list[ox.Triple] = []
    for group in _blank_groups([t for t in triples if _has_blank(t)]):
        template += group
        if len(template) >= batch:
            operations.append(f"INSERT {{ GRAPH {graph} {{ {_block(template)} }} }} WHERE {{}}")
            template = []
    if template:
        operations.append(f"INSERT {{ GRAPH {graph} {{ {_block(template)} }} }} WHERE {{}}")
    return operations


def _has_blank(t: ox.Triple) -> bool:
    return isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)


def _blank_groups(triples: list[ox.Triple]) -> list[list[ox.Triple]]:
    """The triples split into groups that share no blank node (union-find over blank node labels)."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for t in triples:
        ends = [n.value for n in (t.subject, t.object) if isinstance(n, ox.BlankNode)]
        parent[root(ends[0])] = root(ends[-1])
    groups: dict[str, list[ox.Triple]] = {}
    for t in triples:
        node = t.subject if isinstance(t.subject, ox.BlankNode) else t.object
        groups.setdefault(root(node.value), []).append(t)
    return list(groups.values())


def _block(triples: Iterable[ox.Triple]) -> str:
    return " ".join(f"{t.subject} {t.predicate} {t.object} ." for t in triples)
