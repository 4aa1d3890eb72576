"""lemap as a dataset: its JSON-LD context, VoID and DCAT descriptions, and whole-store dumps with checksums.

The figures of the descriptions are counted live (``dataset-*.rq`` through a runner, see
:mod:`lemap_graph.describe`); the dumps are written from the store and kept per *store version*
(:func:`store_version`), so they are made once per change of data. The data is CC BY 4.0 and its
source is the UNODC mapping report, which every description and dump states.

Modules: ``metadata`` (title, licence, source), ``context`` (the JSON-LD context), ``site`` (the
descriptions' IRIs), ``counts`` (the live figures), ``dumps`` and ``descriptions`` (VoID and DCAT).

>>> from lemap_graph.store import load_project
>>> from lemap_graph.describe import store_runner
>>> store = load_project(None)
>>> site = Site("https://w3id.org/lemap/")
>>> stats = statistics(store_runner(store), site)
>>> stats.triples == len({q.triple for q in store})
True
>>> dump = make_dump(store, "nq")
>>> dump.filename, dump.media_type, len(dump.sha256)
('lemap.nq', 'application/n-quads', 64)
"""

from ..store import REPORT_IRI
from .context import CONTEXT_V1, CONTEXTS, CURRENT_CONTEXT, context_document, to_jsonld
from .counts import Statistics, statistics
from .descriptions import VOCABULARIES, dcat_triples, void_triples
from .dumps import DUMP_FORMATS, Dump, DumpCache, make_dump, store_version
from .metadata import DESCRIPTION, KEYWORDS, LICENSE, LICENSE_NAME, SOURCE_TITLE, TITLE
from .site import Site

__all__ = [
    "CONTEXTS", "CONTEXT_V1", "CURRENT_CONTEXT", "DESCRIPTION", "DUMP_FORMATS", "Dump", "DumpCache", "KEYWORDS",
    "LICENSE", "LICENSE_NAME", "REPORT_IRI", "SOURCE_TITLE", "Site", "Statistics", "TITLE", "VOCABULARIES",
    "context_document", "dcat_triples", "make_dump", "statistics", "store_version", "to_jsonld", "void_triples",
]
