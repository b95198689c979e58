"""``python -m indicators.cli``: the same as the ``indicators`` command."""

import sys

from indicators.cli import main

sys.exit(main())
