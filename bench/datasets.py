"""The benchmark's datasets as N-Quads files, and the probe values their queries look up.

``curated`` is what ``lemap build`` made (``.lemap/store``, or the sources when there is no store);
``100k``, ``1M`` and ``10M`` are :mod:`bench.synthetic` data beside the vocabulary, the SKOS schemes and
the curated countries, so the named queries find labels, schemes and ISO codes as they do on
the real graph, written to the file as they are made (10M triples are never in memory at once).
Every server loads the same file.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import pyoxigraph as ox

from lemap_graph.namespaces import PREFIXES as P
from lemap_graph.store import default_sources, load_project, open_store, parse_source, store_path_from_env

from . import synthetic

#: Synthetic sizes in triples (the synthetic part; the reference graphs add about 2,600).
SIZES = {"100k": 100_000, "1M": 1_000_000, "10M": 10_000_000}

_ROLES = frozenset(synthetic.ROLES)
_TYPE = P["rdf"] + "type"


@dataclass(frozen=True)
class Probes:
    """IRIs and strings the query mix looks up, chosen from the data so every lookup finds something."""

    organisation: str
    activity: str
    country: str
    country_code: str
    name: str
    word: str = "police"
    #: how many times ``organisation`` is the object of a role (the rows of :func:`bench.mix.check_query`).
    roles: int = 0


@dataclass(frozen=True)
class Dataset:
    """One dataset ready to load: its name, N-Quads file, size and probes."""

    name: str
    nquads: Path
    triples: int
    probes: Probes
    prepare_s: float = 0.0
    graphs: int = 0
    notes: tuple[str, ...] = field(default=())


class ProbeTally:
    """Counts, over quads fed in chunks, what :func:`choose_probes` needs: roles, countries, names, graphs."""

    def __init__(self) -> None:
        self.roles: Counter[str] = Counter()
        self.countries: Counter[str] = Counter()
        self.first_activity: dict[str, str] = {}
        self.alt: dict[str, str] = {}
        self.graphs: set[str] = set()
        self.quads = 0

    def feed(self, quads: Iterable[ox.Quad]) -> None:
        """Count ``quads``."""
        for q in quads:
            self.quads += 1
            p = q.predicate.value
            if isinstance(q.graph_name, ox.NamedNode):
                self.graphs.add(q.graph_name.value)
            if p in _ROLES and isinstance(q.object, ox.NamedNode):
                org, act = q.object.value, q.subject.value
                self.roles[org] += 1
                if org not in self.first_activity or act < self.first_activity[org]:
                    self.first_activity[org] = act
            elif p == P["lm"] + "country":
                self.countries[q.object.value] += 1
            elif p == P["skos"] + "altLabel" and q.subject.value.startswith(P["orgn"]):
                self.alt.setdefault(q.subject.value, q.object.value)

    def probes(self) -> Probes:
        """The organisation in most roles, its first activity, the busiest country."""
        org = min(self.roles, key=lambda o: (-self.roles[o], o))
        country = min(self.countries, key=lambda c: (-self.countries[c], c))
        return Probes(organisation=org, activity=self.first_activity[org], country=country,
                      country_code=country.removeprefix(P["country"]), name=self.alt.get(org, "UNODC"),
                      roles=self.roles[org])


def choose_probes(quads: Iterable[ox.Quad]) -> Probes:
    """Probes from the data: the organisation in most roles, its first activity, the busiest country.

    :param quads: the dataset's quads.

    >>> s, a, o = (ox.NamedNode(P[k] + v) for k, v in (("act", "a"), ("schema", "organizer"), ("orgn", "o")))
    >>> c = ox.NamedNode(P["country"] + "AFG")
    >>> q = [ox.Quad(s, a, o), ox.Quad(s, ox.NamedNode(P["lm"] + "country"), c),
    ...      ox.Quad(o, ox.NamedNode(P["skos"] + "altLabel"), ox.Literal("O"))]
    >>> choose_probes(q).organisation, choose_probes(q).name, choose_probes(q).country_code
    ('https://w3id.org/lemap/id/organisation/o', 'O', 'AFG')
    """
    tally = ProbeTally()
    tally.feed(quads)
    return tally.probes()


def curated(workdir: Path, progress: Callable[[str], None] = print) -> Dataset:
    """The curated graph as ``workdir/curated.nq``: from ``lemap build``'s store when there is one."""
    start = time.perf_counter()
    path = store_path_from_env()
    if path.is_dir() and any(path.iterdir()):
        store, note = ox.Store.read_only(str(path)), f"from the store at {path}"
    else:
        store, note = load_project(None), "built in memory from the sources (no store: run `lemap build`)"
    quads = list(store.quads_for_pattern(None, None, None, None))
    out = workdir / "curated.nq"
    synthetic.write_nquads(quads, out)
    progress(f"curated: {len(quads)} quads {note}")
    return Dataset("curated", out, len(quads), choose_probes(quads), time.perf_counter() - start,
                   _graph_count(quads), (note,))


def reference_quads() -> list[ox.Quad]:
    """The vocabulary, shapes, SKOS schemes and curated countries, each in its usual named graph."""
    keep = [s for s in default_sources() if not s.from_report or s.relpath.endswith("/countries.ttl")]
    return [q for s in keep for q in parse_source(s)]


def countries_of(quads: Iterable[ox.Quad]) -> dict[str, tuple[str, str]]:
    """alpha-3 → (English name, UNODC region slug or ``global``) of the ``lm:Country`` nodes in ``quads``."""
    names: dict[str, str] = {}
    regions: dict[str, str] = {}
    for q in quads:
        s, p = q.subject.value, q.predicate.value
        if not s.startswith(P["country"]):
            continue
        if p == P["skos"] + "prefLabel":
            names[s] = q.object.value
        elif p == P["lm"] + "unodcRegion":
            regions[s] = q.object.value.removeprefix(P["region"])
    return {s.removeprefix(P["country"]): (n, regions.get(s, "global")) for s, n in sorted(names.items())}


def synthetic_dataset(name: str, workdir: Path, seed: int = synthetic.SEED,
                      progress: Callable[[str], None] = print) -> Dataset:
    """A synthetic dataset of :data:`SIZES` ``[name]`` triples beside the reference graphs, as ``workdir/<name>.nq``."""
    start = time.perf_counter()
    out = workdir / f"{name}.nq"
    tally = write_synthetic(out, SIZES[name], seed)
    progress(f"{name}: {tally.quads:,} quads (seed {seed}) in {time.perf_counter() - start:.0f} s")
    return Dataset(name, out, tally.quads, tally.probes(), time.perf_counter() - start, len(tally.graphs),
                   (f"synthetic, seed {seed}, plus the vocabulary, schemes and countries",))


def write_synthetic(path: Path, triples: int, seed: int = synthetic.SEED) -> ProbeTally:
    """Write the reference graphs and ``triples`` synthetic ones to ``path`` as N-Quads, chunk by chunk; their tally."""
    ref = reference_quads()
    tally = ProbeTally()
    with open(path, "wb") as out:
        def sink(chunk: list[ox.Quad]) -> None:
            """Count one chunk and append it to the file."""
            tally.feed(chunk)
            ox.serialize(chunk, out, format=ox.RdfFormat.N_QUADS)

        sink(ref)
        synthetic.stream_synthetic(sink, triples, seed=seed, countries=countries_of(ref))
    return tally


def _graph_count(quads: list[ox.Quad]) -> int:
    return len({q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)})


def load_into_store(nquads: Path, store_path: Path) -> int:
    """Build an on-disk lemap store at ``store_path`` from an N-Quads file; the number of quads in it.

    The store is closed (its RocksDB lock released) before this returns, so a server can open it.
    """
    store = open_store(store_path)
    store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    store.flush()
    n = len(store)
    del store
    return n
