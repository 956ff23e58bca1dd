"""`python -m devhost`: see devhost.cli."""

import sys

from .cli import main

sys.exit(main())
