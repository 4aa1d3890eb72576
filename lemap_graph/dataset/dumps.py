"""Whole-store dumps (N-Quads, TriG, Turtle, JSON-LD) with their SHA-256, made once per version of the data.

The dumps are written from the store and kept per *store version* (:func:`store_version`), or per
engine version when the data comes through an engine, so each is made once per change of data.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from dataclasses import dataclass

import pyoxigraph as ox

from .. import formats
from ..queries import PREFIXES
from ..store import META_GRAPH, REPORT_IRI
from .context import to_jsonld
from .metadata import LICENSE, LICENSE_NAME, SOURCE_TITLE, TITLE


#: The dump formats, in the order they are listed.
DUMP_FORMATS: tuple[str, ...] = ("nq", "trig", "ttl", "jsonld")


@dataclass(frozen=True)
class Dump:
    """One dump file: its bytes, media type and SHA-256."""

    filename: str
    format: formats.Format
    data: bytes

    @property
    def media_type(self) -> str:
        """The dump's media type."""
        return self.format.media_type

    @property
    def size(self) -> int:
        """Its size in bytes."""
        return len(self.data)

    @property
    def sha256(self) -> str:
        """SHA-256 of the bytes, hexadecimal (as ``SHA256SUMS`` lists it)."""
        return hashlib.sha256(self.data).hexdigest()

    @property
    def digest(self) -> str:
        """SHA-256 of the bytes, base64 (for ``Digest``/``Repr-Digest`` headers)."""
        return base64.b64encode(hashlib.sha256(self.data).digest()).decode("ascii")


def store_version(store: ox.Store) -> str:
    """A short fingerprint of the store's content: the build's record of its sources plus the quad count.

    A rebuild that changes a file, a removed file or an added partner graph changes it.

    >>> store_version(ox.Store()) == store_version(ox.Store())
    True
    """
    h = hashlib.sha256()
    for q in sorted(str(q) for q in store.quads_for_pattern(None, None, None, META_GRAPH)):
        h.update(q.encode("utf-8") + b"\n")
    h.update(str(len(store)).encode("ascii"))
    return h.hexdigest()[:16]


def _banner(comment: str, version: str) -> bytes:
    lines = [
        f"{TITLE}",
        f"Licence: {LICENSE_NAME} <{LICENSE}>",
        f"Source: {SOURCE_TITLE} <{REPORT_IRI}>",
        f"Store version {version}; generated from the lemap store.",
    ]
    return "".join(f"{comment} {line}\n" for line in lines).encode("utf-8") + b"\n"


def make_dump(store: ox.Store, name: str, version: str | None = None) -> Dump:
    """Write the whole store in one format: ``nq``/``trig`` keep the named graphs, ``ttl`` merges them,
    ``jsonld`` is compact JSON-LD with named graphs. N-Quads lines are sorted so the bytes are stable.

    :param store: the store to dump.
    :param name: ``nq``, ``trig``, ``ttl`` or ``jsonld``.
    :param version: the store version named in the banner comment (computed when None).
    :raises KeyError: for another name.
    """
    if name not in DUMP_FORMATS:
        raise KeyError(f"no dump format {name!r} (known: {', '.join(DUMP_FORMATS)})")
    fmt = formats.find(name)
    version = version or store_version(store)
    quads = list(store.quads_for_pattern(None, None, None, None))
    if name == "jsonld":
        data = to_jsonld(quads)
    elif name == "nq":
        lines = formats.serialize_quads(quads, fmt).decode("utf-8").splitlines(keepends=True)
        data = _banner("#", version) + "".join(sorted(lines)).encode("utf-8")
    else:
        data = _banner("#", version) + formats.serialize_quads(quads, fmt, prefixes=PREFIXES)
    return Dump(f"lemap.{fmt.extension}", fmt, data)


class DumpCache:
    """The dumps of the current data version, made on first request and kept until the data changes.

    The source is a pyoxigraph store, or an engine (anything with ``version`` and ``dump``): an
    engine's data is fetched once per version into a store the dumps are written from.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: object = None
        self._store: ox.Store | None = None
        self._version: str | None = None
        self._dumps: dict[str, Dump] = {}

    def get(self, source, name: str) -> Dump:
        """The dump ``name`` of ``source`` as it is now.

        >>> cache = DumpCache()
        >>> s = ox.Store()
        >>> cache.get(s, "ttl") is cache.get(s, "ttl")
        True
        """
        with self._lock:
            store, version = self._current(source)
            if name not in self._dumps:
                self._dumps[name] = make_dump(store, name, version)
            return self._dumps[name]

    def _current(self, source) -> tuple[ox.Store, str]:
        key = store_version(source) if isinstance(source, ox.Store) else ("engine", source.version)
        if key != self._key:
            store = source if isinstance(source, ox.Store) else _materialize(source)
            self._key, self._store, self._version, self._dumps = key, store, store_version(store), {}
        return self._store, self._version

    def all(self, source) -> list[Dump]:
        """Every dump, in :data:`DUMP_FORMATS` order."""
        return [self.get(source, name) for name in DUMP_FORMATS]

    def sha256sums(self, source) -> str:
        """The ``SHA256SUMS`` file: ``<hex>  <filename>`` per dump, as ``sha256sum -c`` reads it."""
        return "".join(f"{d.sha256}  {d.filename}\n" for d in self.all(source))


def _materialize(engine) -> ox.Store:
    store = ox.Store()
    data = engine.dump(ox.RdfFormat.N_QUADS)
    if data:
        store.bulk_load(data, format=ox.RdfFormat.N_QUADS)
    return store
