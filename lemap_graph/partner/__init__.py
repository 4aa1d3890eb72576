"""Partner uploads: check a dataset against lemap's shapes, link its names, import it into its own named graph.

The modules, in the order an upload meets them:

- :mod:`.guard` looks at the raw bytes before any parser does (size, media type, DTDs, nesting);
- :mod:`.worker` parses and validates in a separate process killed past a time and memory limit,
  so the web process never parses an upload; inside it :mod:`.checking` parses, refuses unsafe IRIs,
  validates against our shapes with the graph as context, and warns about unknown IRIs and
  near-duplicate names; :mod:`.csvtemplate` turns the CSV template's rows into triples, linking
  names through :mod:`.names`;
- :mod:`.tokens` keeps the partners' bearer tokens (hashed), and :mod:`.imports` names the graphs,
  writes their provenance and serialises concurrent imports to one graph.

The ``lemap`` commands over them (``validate``, ``import``, ``graphs``, ``token``) live with the
command line, in :mod:`lemap_graph.cli.partner`.
"""
