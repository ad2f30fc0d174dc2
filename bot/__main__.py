"""`python -m bot` runs the `moodbot` command."""

import sys

from .cli import main

sys.exit(main())
