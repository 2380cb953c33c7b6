"""Settings: built once by :func:`load_settings` and passed to the CLI and the app.

Sources, strongest first: explicit overrides (CLI options), environment variables
with prefix ``EITS_``, the TOML config file in the user config dir, defaults.
"""

from __future__ import annotations

import getpass
import locale
import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from eits_tracker import paths
from eits_tracker.errors import ConfigError

Language = Literal["et", "en"]

#: Basic fulfilment needed for maturity levels 1, 2 and 3 (see tracking/maturity.py).
DEFAULT_MATURITY_THRESHOLDS: tuple[float, float, float] = (0.25, 0.5, 0.75)


def check_maturity_thresholds(value: tuple[float, float, float]) -> tuple[float, float, float]:
    """Three fractions strictly between 0 and 1, strictly ascending; ValueError otherwise."""
    values = tuple(float(v) for v in value)
    if len(values) != 3 or not 0 < values[0] < values[1] < values[2] < 1:
        raise ValueError(f"maturity thresholds must be three ascending fractions between 0 and 1, got {value!r}")
    return values[0], values[1], values[2]


class _TomlFile(PydanticBaseSettingsSource):
    """The user's config.toml, read when settings are built (never at import)."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path) -> None:
        super().__init__(settings_cls)
        self.path = path

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:  # pragma: no cover - unused
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        if not self.path.is_file():
            return {}
        try:
            with self.path.open("rb") as fh:
                data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{self.path}: {exc}. Fix the file or delete it to use the defaults.") from None
        return data


class Settings(BaseSettings):
    """Every setting the tracker knows; see README 'Configuration'."""

    model_config = SettingsConfigDict(env_prefix="EITS_", extra="forbid")

    database_url: str | None = Field(
        default=None, description="Any SQLAlchemy URL; default: a SQLite file in the user data dir"
    )
    language: Language | None = Field(default=None, description="et or en; default follows the locale")
    user: str | None = Field(default=None, description="Who is recorded in the history; default: the OS user")
    risk_acceptance_basic: Literal["refuse", "warn"] = Field(
        default="refuse",
        description="IT-Grundschutz: the risk of an unmet basic measure cannot be accepted. 'warn' allows it.",
    )
    timezone: str = Field(default="Europe/Tallinn", description="Time zone for showing timestamps")
    maturity_thresholds: tuple[float, float, float] = Field(
        default=DEFAULT_MATURITY_THRESHOLDS,
        description="Basic fulfilment (0..1) needed for maturity levels 1, 2 and 3, ascending",
    )

    reports_dir: str | None = Field(
        default=None, description="Where the app's report dialog writes; default: ./eits-reports"
    )

    @field_validator("maturity_thresholds")
    @classmethod
    def _ascending_fractions(cls, value: tuple[float, float, float]) -> tuple[float, float, float]:
        return check_maturity_thresholds(value)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _TomlFile(settings_cls, paths.config_file()))

    # --- derived values ------------------------------------------------------------

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{paths.default_database_path()}"

    def resolved_language(self) -> Language:
        if self.language:
            return self.language
        for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
            value = os.environ.get(var)
            if value:
                return "et" if value.lower().startswith("et") else "en"
        loc = locale.getlocale()[0] or ""
        return "et" if loc.lower().startswith("et") else "en"

    def resolved_user(self) -> str:
        if self.user:
            return self.user
        try:
            return getpass.getuser()
        except Exception:  # no login name in some containers
            return "unknown"


def load_settings(**overrides: Any) -> Settings:
    """Build settings; a bad value names its source and the field."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**clean)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ConfigError(
            f"invalid setting ({problems}). Check EITS_* environment variables, "
            f"the command-line options and {paths.config_file()}."
        ) from None
