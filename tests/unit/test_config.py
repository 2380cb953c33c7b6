"""Settings: defaults, config file, EITS_ environment variables, explicit overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from eits_tracker import paths
from eits_tracker.config import load_settings
from eits_tracker.errors import ConfigError


def test_default_database_is_sqlite_in_the_user_data_dir(tmp_path: Path) -> None:
    url = load_settings().resolved_database_url()
    assert url == f"sqlite:///{tmp_path / 'data' / 'eits-tracker.sqlite3'}"


def test_file_then_environment_then_override(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = paths.config_file()
    cfg.parent.mkdir(parents=True)
    cfg.write_text('database_url = "sqlite:///from-file.db"\nlanguage = "et"\nuser = "mari"\n', encoding="utf-8")
    s = load_settings()
    assert (s.database_url, s.language, s.user) == ("sqlite:///from-file.db", "et", "mari")
    monkeypatch.setenv("EITS_DATABASE_URL", "sqlite:///from-env.db")
    assert load_settings().database_url == "sqlite:///from-env.db"
    assert load_settings(database_url="sqlite:///cli.db").database_url == "sqlite:///cli.db"


def test_broken_config_file_names_the_file() -> None:
    cfg = paths.config_file()
    cfg.parent.mkdir(parents=True)
    cfg.write_text("database_url = \n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"config\.toml"):
        load_settings()


def test_unknown_or_invalid_setting_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EITS_LANGUAGE", "de")
    with pytest.raises(ConfigError, match="language"):
        load_settings()
    cfg = paths.config_file()
    cfg.parent.mkdir(parents=True)
    cfg.write_text('colour = "blue"\n', encoding="utf-8")
    monkeypatch.delenv("EITS_LANGUAGE")
    with pytest.raises(ConfigError, match="colour"):
        load_settings()


@pytest.mark.parametrize(("env", "expected"), [("et_EE.UTF-8", "et"), ("en_GB.UTF-8", "en"), ("C", "en")])
def test_language_follows_the_locale(monkeypatch: pytest.MonkeyPatch, env: str, expected: str) -> None:
    for var in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", env)
    assert load_settings().resolved_language() == expected
    assert load_settings(language="et").resolved_language() == "et"


def test_estonian_alphabetical_order() -> None:
    """Names sort as Estonians expect: š z ž after s, õ ä ö ü after w (not Unicode order)."""
    from eits_tracker.text import estonian_key

    names = [
        "Väike-Maarja vald",
        "Võru vald",
        "Häädemeeste vald",
        "Haapsalu linn",
        "Saue vald",
        "Šmidt",
        "Zeta",
        "Tapa vald",
    ]
    assert sorted(names, key=estonian_key) == [
        "Haapsalu linn",
        "Häädemeeste vald",
        "Saue vald",
        "Šmidt",
        "Zeta",
        "Tapa vald",
        "Võru vald",
        "Väike-Maarja vald",
    ]
