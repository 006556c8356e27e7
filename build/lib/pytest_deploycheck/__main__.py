"""``python -m pytest_deploycheck`` is the ``deploycheck`` command."""

import sys

from .cli import main

sys.exit(main())
