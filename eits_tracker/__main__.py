"""python -m eits_tracker"""

import sys

from eits_tracker.cli import main

sys.exit(main())
