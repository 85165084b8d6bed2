"""``python -m cinelab ...`` is the ``cinelab`` command (for environments without its script)."""

import sys

from cinelab.cli import main

sys.exit(main())
