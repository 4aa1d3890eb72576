"""Live counts of the whole graph for its descriptions: triples, subjects, objects, classes and entities,
per class, per property and per named graph (the ``dataset-*.rq`` named queries, through a runner).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from ..describe import Runner
from ..queries import get_query
from .site import Site


@dataclass(frozen=True)
class Statistics:
    """Live figures of the whole graph (distinct triples over the union of the named graphs)."""

    triples: int
    distinct_subjects: int
    properties: int
    distinct_objects: int
    classes: int
    entities: int
    class_partitions: tuple[tuple[str, int], ...]
    property_partitions: tuple[tuple[str, int], ...]
    graphs: tuple[tuple[str, int, str], ...]


def statistics(run: Runner, site: Site) -> Statistics:
    """Count the graph: triples, subjects, objects, classes and entities; per class, property and named graph.

    :param run: the runner queries go through.
    :param site: gives the entity namespace counted as ``entities``.
    """
    head = run(get_query("dataset-statistics").text, {"_ns": ox.Literal(site.entities)})
    row = dict(zip(head.variables, head.rows[0])) if head.rows else {}

    def count(name: str) -> int:
        return int(row[name].value) if row.get(name) is not None else 0

    classes = run(get_query("dataset-classes").text, {})
    props = run(get_query("dataset-properties").text, {})
    graphs = run(get_query("graphs").text, {})
    gvars = graphs.variables
    return Statistics(
        triples=count("triples"),
        distinct_subjects=count("distinctSubjects"),
        properties=count("properties"),
        distinct_objects=count("distinctObjects"),
        classes=count("classes"),
        entities=count("entities"),
        class_partitions=tuple((r[0].value, int(r[1].value)) for r in classes.rows),
        property_partitions=tuple((r[0].value, int(r[1].value)) for r in props.rows),
        graphs=tuple(
            (g["graph"].value, int(g["triples"].value), g["file"].value if g.get("file") is not None else "")
            for g in (dict(zip(gvars, r)) for r in graphs.rows)
        ),
    )
