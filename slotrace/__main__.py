"""Provides ``python -m slotrace``."""

import sys

from slotrace.cli import main

sys.exit(main())
