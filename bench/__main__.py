"""``python -m bench``: lemap's SPARQL endpoint against ``oxigraph serve`` on the same data (see bench.run)."""

import sys

from .run import main

sys.exit(main())
