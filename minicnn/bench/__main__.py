"""``python -m minicnn.bench ...``: the same as ``minicnn bench ...``."""

import sys

from . import main

sys.exit(main(prog="python -m minicnn.bench"))
