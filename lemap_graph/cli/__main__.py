"""``python -m lemap_graph.cli``: the ``lemap`` command without its console script."""

import sys

from .program import main

sys.exit(main())
