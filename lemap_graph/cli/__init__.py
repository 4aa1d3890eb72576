"""The ``lemap`` command: build the store, validate the data, run named queries, export, count, serve.

Every command prints what it made on standard output and its notes and errors on standard error.
Exit status: 0 when all went well; 1 when the data does not conform (``validate``) or something
failed while running; 2 for unusable input (a file that does not parse, a missing file, an unknown
named query, a bad ``--param``, a query with a syntax error). Errors never print a traceback.

One module per group of commands (``build``, ``query``, ``export``, ``stats``, ``serve``, ``network``,
and ``partner`` for ``validate``, ``import``, ``graphs`` and ``token``), beside what they share: ``output``
(printing, tables, :class:`CLIError`), ``stores`` (where the data comes from) and ``options`` (the
parser's shared options); ``program`` assembles the parser and runs a command.

>>> main(["query", "--list"]) == 0  # doctest: +ELLIPSIS
a...
countries ...
True
"""

from .build import cmd_build
from .export import EXPORT_FORMATS, cmd_export
from .network import add_network_command, cmd_network
from .output import PROG, TABLE_WIDTH, CLIError, cell, note, render_table, render_validation, used_prefixes, write
from .partner import cmd_graphs, cmd_import, cmd_token, cmd_validate
from .program import build_parser, commands, main
from .query import RESULT_FORMATS, cmd_query, execute, parse_params, render_query_list, render_result, resolve_query
from .serve import cmd_serve
from .stats import cmd_stats
from .stores import endpoint_settings, is_store, open_for_reading, sources, store_path

__all__ = [
    "CLIError", "EXPORT_FORMATS", "PROG", "RESULT_FORMATS", "TABLE_WIDTH", "add_network_command", "build_parser", "cell",
    "cmd_build", "cmd_export", "cmd_graphs", "cmd_import", "cmd_network", "cmd_query", "cmd_serve", "cmd_stats",
    "cmd_token", "cmd_validate", "commands", "endpoint_settings", "execute", "is_store", "main", "note",
    "open_for_reading", "parse_params", "render_query_list", "render_result", "render_table", "render_validation",
    "resolve_query", "sources", "store_path", "used_prefixes", "write",
]
