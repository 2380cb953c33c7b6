"""Where things live: the shipped catalogue, user config and data directories.

Functions, not module constants: nothing is resolved or created at import time,
so tests can point every directory at a temporary one.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "eits-tracker"


def catalog_dir() -> Path:
    """The shipped catalogue: inside the wheel (``eits_tracker/_catalog``) or the checkout's ``catalog/``."""
    override = os.environ.get("EITS_CATALOG_DIR")
    if override:
        return Path(override)
    package = Path(__file__).resolve().parent
    installed = package / "_catalog"
    if installed.is_dir():
        return installed
    return package.parent / "catalog"


def templates_dir() -> Path:
    """The shipped Jinja2 templates of reports and exports: inside the wheel (``eits_tracker/_reports``) or
    the checkout's ``reports/``. A user's own copy is passed with ``--templates`` instead."""
    package = Path(__file__).resolve().parent
    installed = package / "_reports"
    if installed.is_dir():
        return installed
    return package.parent / "reports"


def shared_dir() -> Path:
    """``../shared`` beside the checkout (CI and developers have it); EITS_SHARED_DIR overrides."""
    override = os.environ.get("EITS_SHARED_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parent.parent.parent / "shared"


def catalogue_sources_dir() -> Path:
    return shared_dir() / "catalogue-sources"


def config_dir() -> Path:
    from platformdirs import user_config_path

    override = os.environ.get("EITS_CONFIG_DIR")
    return Path(override) if override else user_config_path(APP_NAME, appauthor=False)


def data_dir() -> Path:
    from platformdirs import user_data_path

    override = os.environ.get("EITS_DATA_DIR")
    return Path(override) if override else user_data_path(APP_NAME, appauthor=False)


def config_file() -> Path:
    return config_dir() / "config.toml"


def default_database_path() -> Path:
    return data_dir() / "eits-tracker.sqlite3"
