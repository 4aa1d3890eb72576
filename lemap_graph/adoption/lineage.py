"""A country's lineage of the Manual as a tree (steps, versions, curricula, activities), and its other activities."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping

from .steps import STAGES, PartnerMarked, _int, _split, language_name, slug

# ------------------------------------------------------------------------------------ lineage


@dataclass
class LineageNode(PartnerMarked):
    """A node of a country's lineage tree: the Manual, an adoption step, a document or an activity."""

    iri: str
    type: str  # "root", "adoption step", "document" or "activity"
    label: str
    relation: str = ""
    kind: str = ""
    notation: int = 0
    year: str = ""
    status: str = ""
    status_label: str = ""
    languages: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    partner_graphs: tuple[str, ...] = ()
    in_report: bool = True
    children: list["LineageNode"] = field(default_factory=list)

    @property
    def language_names(self) -> tuple[str, ...]:
        """The languages as English names."""
        return tuple(language_name(t) for t in self.languages)

    @property
    def stage(self) -> str:
        """For an adoption step, its stage's slug (from its notation); else empty."""
        if self.type != "adoption step":
            return ""
        return next((name for name, n in STAGES if n == self.notation), "")

    def walk(self) -> Iterable["LineageNode"]:
        """This node and every node below it, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()


#: The order children are shown in under one parent.
_CHILD_ORDER = {"adoption step": 0, "document": 1, "activity": 2}


def build_lineage(records: Iterable[Mapping[str, str | None]], *, root_iri: str, root_label: str,
                  country_label: str = "") -> LineageNode:
    """Build the tree from ``adoption-lineage`` edge rows; a node reachable along several edges appears once.

    Steps come first (by stage), so a translation that an adoption step resulted in sits under that
    step rather than directly under the Manual.

    :param records: the query's rows (parent, relation, child, child_type, child_label, kind, …).
    :param root_iri: the Manual's IRI (the tree's root).
    :param root_label: the Manual's name.
    :param country_label: the country's name, for the labels of adoption steps.

    >>> rows = [{"parent": "M", "relation": "adoption step", "child": "s", "child_type": "adoption step",
    ...          "kind": "translated", "notation": "2", "status_label": "done"},
    ...         {"parent": "s", "relation": "resulting document", "child": "d", "child_type": "document", "child_label": "D"},
    ...         {"parent": "M", "relation": "translation of", "child": "d", "child_type": "document", "child_label": "D"}]
    >>> tree = build_lineage(rows, root_iri="M", root_label="Manual", country_label="Afghanistan")
    >>> [(n.label, [c.label for c in n.children]) for n in tree.walk()]
    [('Manual', ['Afghanistan: translated (done)']), ('Afghanistan: translated (done)', ['D']), ('D', [])]
    """
    edges: dict[str, list[LineageNode]] = {}
    for record in records:
        r = {k: (v or "") for k, v in record.items()}
        edges.setdefault(r.get("parent", ""), []).append(_lineage_node(r, country_label))
    for children in edges.values():
        children.sort(key=lambda n: (_CHILD_ORDER.get(n.type, 9), n.notation, n.year or "9999", n.label.casefold()))
    root = LineageNode(iri=root_iri, type="root", label=root_label)
    deeper = {c.iri for parent, children in edges.items() if parent != root_iri for c in children}
    placed = {root_iri}
    _attach(root, edges, placed, skip=deeper)
    # anything not reached (a parent outside the tree) still shows, under the Manual
    for children in edges.values():
        for child in children:
            if child.iri not in placed:
                placed.add(child.iri)
                root.children.append(child)
                _attach(child, edges, placed)
    return root


def _attach(node: LineageNode, edges: dict[str, list[LineageNode]], placed: set[str], skip: set[str] = frozenset()) -> None:
    # Depth first, in child order; under the root, a node that also hangs below something deeper waits for that.
    for child in edges.get(node.iri, ()):
        if child.iri in placed or child.iri in skip:
            continue
        placed.add(child.iri)
        node.children.append(child)
        _attach(child, edges, placed)


def _lineage_node(r: Mapping[str, str], country_label: str) -> LineageNode:
    kind = r.get("kind", "")
    ctype = r.get("child_type") or "document"
    label = r.get("child_label", "")
    if not label and ctype == "adoption step":
        status = r.get("status_label") or slug(r.get("status"))
        label = f"{country_label or 'Country'}: {kind or 'adoption step'}" + (f" ({status})" if status else "")
    return LineageNode(
        iri=r.get("child", ""), type=ctype, label=label or slug(r.get("child")), relation=r.get("relation", ""),
        kind=kind, notation=_int(r.get("notation")), year=r.get("year", "")[:4], status=slug(r.get("status")),
        status_label=r.get("status_label") or slug(r.get("status")), languages=_split(r.get("languages"), ","),
        evidence=_split(r.get("evidence"), " | "), sections=_split(r.get("sections"), " "), **_sources(r),
    )


def _sources(r: Mapping[str, str]) -> dict:
    return {"partner_graphs": _split(r.get("partner_graphs"), " "), "in_report": r.get("in_report", "1") not in ("0", "false")}


def in_scope(record: Mapping[str, str | None], sources: str) -> bool:
    """Whether a lineage or activity row counts when ``sources`` is ``all`` or ``report`` (the report's facts alone).

    >>> in_scope({"in_report": "0"}, "report"), in_scope({"in_report": "0"}, "all"), in_scope({}, "report")
    (False, True, True)
    """
    return sources != "report" or (record.get("in_report") or "1") not in ("0", "false")


@dataclass(frozen=True)
class CountryActivity(PartnerMarked):
    """An activity held in (or covering) a country, with its evidence."""

    iri: str
    label: str
    kinds: str
    start: str
    end: str
    status: str
    status_label: str
    organisers: str
    documents: str
    evidence: tuple[str, ...]
    sections: tuple[str, ...]
    partner_graphs: tuple[str, ...] = ()
    in_report: bool = True

    @property
    def years(self) -> str:
        """``2014``, ``2014–2015`` or empty."""
        if self.start and self.end and self.end != self.start:
            return f"{self.start}–{self.end}"
        return self.start or self.end


def other_activities(records: Iterable[Mapping[str, str | None]], lineage: LineageNode) -> list[CountryActivity]:
    """``adoption-country-activities`` rows minus the activities already in ``lineage``, by year then label.

    >>> tree = LineageNode("M", "root", "Manual", children=[LineageNode("a1", "activity", "A1")])
    >>> [a.iri for a in other_activities([{"activity": "a1"}, {"activity": "a2", "label": "A2"}], tree)]
    ['a2']
    """
    shown = {n.iri for n in lineage.walk()}
    out = []
    for record in records:
        r = {k: (v or "") for k, v in record.items()}
        if r.get("activity", "") in shown:
            continue
        out.append(CountryActivity(
            iri=r.get("activity", ""), label=r.get("label") or slug(r.get("activity")), kinds=r.get("kinds", ""),
            start=r.get("start_year", ""), end=r.get("end_year", ""), status=slug(r.get("status")),
            status_label=r.get("status_label") or slug(r.get("status")), organisers=r.get("organisers", ""),
            documents=r.get("documents", ""), evidence=_split(r.get("evidence"), " | "),
            sections=_split(r.get("sections"), " "), **_sources(r),
        ))
    return sorted(out, key=lambda a: (a.start == "", a.start, a.label.casefold()))
