"""Settings: read from the environment, refused with a clear message, all documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.config import Basemap, Settings, settings_help

README = Path(__file__).resolve().parents[2] / "README.md"


def test_cfg001_defaults_are_safe():
    settings = Settings.from_env({})
    assert settings.host == "127.0.0.1" and settings.debug is False
    assert settings.basemap == Basemap.OFFLINE


def test_cfg002_env_values_are_parsed():
    settings = Settings.from_env({"RUTAS_PORT": "9000", "RUTAS_DEBUG": "true", "RUTAS_BASEMAP": "online"})
    assert (settings.port, settings.debug, settings.basemap) == (9000, True, Basemap.ONLINE)


@pytest.mark.parametrize(("name", "value"), [("RUTAS_PORT", "eighty"), ("RUTAS_DEBUG", "perhaps"),
                                             ("RUTAS_BASEMAP", "satellite")])
def test_cfg003_bad_values_name_the_variable(name, value):
    with pytest.raises(ValueError, match=name):
        Settings.from_env({name: value})


def test_cfg004_every_setting_documented_in_readme():
    readme = README.read_text(encoding="utf-8")
    missing = [name for name in settings_help() if f"`{name}`" not in readme]
    assert missing == []


def test_cfg005_every_url_parameter_documented_in_readme():
    readme = README.read_text(encoding="utf-8")
    from dashboard.data.filters import LIST_PARAMS, UrlState, build_search, parse_url_state

    # Derived from the parser: a parameter it learns without documentation fails here.
    full = UrlState(spec=parse_url_state(
        "?from=2017-01-01&to=2018-01-01&q=x&kg_min=1&kg_max=2&bbox=-1,-1,1,1&poly=0,0;1,0;1,1")[0].spec,
        lang="es", selected="rutas:0001")
    emitted = {pair.split("=")[0] for pair in build_search(full).lstrip("?").split("&")}
    for parameter in {*LIST_PARAMS, *emitted, "view"}:
        assert f"`{parameter}`" in readme, parameter


def test_cfg006_import_limits_are_declared_once():
    """Every import limit is a setting whose default is the limit's own, and a set value reaches it."""
    from dataclasses import fields

    from dashboard.config import import_limits, setting_field
    from dashboard.data.imports.base import SETTING_OF_LIMIT, ImportLimits

    assert set(SETTING_OF_LIMIT) == {f.name for f in fields(ImportLimits)}
    defaults = Settings()
    for limit, variable in SETTING_OF_LIMIT.items():
        assert getattr(defaults, setting_field(variable)) == getattr(ImportLimits(), limit), variable
    changed = import_limits(Settings.from_env({variable: "7" for variable in SETTING_OF_LIMIT.values()}))
    assert all(getattr(changed, limit) == 7 for limit in SETTING_OF_LIMIT)


def test_cfg_query_slots_are_a_setting_the_store_takes(monkeypatch):
    """RUTAS_DATABASE_QUERY_SLOTS sets how many store queries a process runs at once."""
    from dashboard.data.store import postgis

    assert Settings.from_env({}).database_query_slots == postgis.STORE_QUERY_SLOTS
    assert Settings.from_env({"RUTAS_DATABASE_QUERY_SLOTS": "5"}).database_query_slots == 5
    monkeypatch.setattr(postgis, "_slots_per_process", postgis.STORE_QUERY_SLOTS)
    monkeypatch.setattr(postgis, "_query_slots", postgis._query_slots)
    postgis.set_query_slots(3)
    held = [postgis._query_slots.acquire(blocking=False) for _ in range(4)]
    assert held == [True, True, True, False]
    with pytest.raises(ValueError, match="RUTAS_DATABASE_QUERY_SLOTS"):
        postgis.set_query_slots(0)
