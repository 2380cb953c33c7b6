"""eits-tracker: E-ITS implementation tracking for Estonian local governments.

This module holds the version only and imports nothing heavy, so `--version`
and `import eits_tracker` stay instant.
"""

__version__ = "0.1.0"
