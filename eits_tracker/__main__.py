"""``python -m eits_tracker``: the same as the ``eits-tracker`` command."""

import sys

from eits_tracker.launcher import main

sys.exit(main())
