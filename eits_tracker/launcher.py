"""The ``eits-tracker`` console script: switch off garbage collection before the heavy imports.

Start-up allocates a few hundred thousand objects that live as long as the process
(SQLAlchemy's and Textual's classes and tables); the collector would walk them again and again
(about 0.1 s of a 1 s start). A command switches collection back on as soon as it runs; the
terminal app does so after its first frame, freezing what start-up left (see EitsApp.started).
"""

from __future__ import annotations

import gc


def main() -> int:
    gc.disable()
    try:
        from eits_tracker.cli import main as cli_main

        return cli_main()
    finally:
        gc.enable()
