"""``python -m dashboard`` is the ``changning-dashboard`` command."""

import sys

from dashboard.cli import main

sys.exit(main())
