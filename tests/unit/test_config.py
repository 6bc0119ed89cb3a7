"""Settings: precedence and loud failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.config import ConfigError, load_settings


def test_defaults_match_the_design() -> None:
    """Host, port and prefix defaults are DESIGN.md's."""
    s = load_settings({}, environ={})
    assert (s.host, s.port, s.redis_prefix, s.redis_url) == ("127.0.0.1", 8050, "cn:", None)


def test_flag_beats_environment_beats_file(tmp_path: Path) -> None:
    """flag > environment > config file > default."""
    file = tmp_path / "cn.toml"
    file.write_text('port = 9001\nredis_prefix = "file:"\nsim_rate = 5\n')
    s = load_settings({"port": 9003}, environ={"CN_PORT": "9002", "CN_REDIS_PREFIX": "env:"},
                      config_path=str(file))
    assert (s.port, s.redis_prefix, s.sim_rate) == (9003, "env:", 5.0)


def test_unknown_key_in_file_names_key_and_file(tmp_path: Path) -> None:
    """A typo in the config file stops start-up, naming the key and the file."""
    file = tmp_path / "cn.toml"
    file.write_text("prot = 1\n")
    with pytest.raises(ConfigError, match=rf"Config file {file}: unknown key 'prot'"):
        load_settings({}, environ={}, config_path=str(file))


def test_wrong_type_names_key_and_source(tmp_path: Path) -> None:
    """A value of the wrong type names the key and where it came from."""
    file = tmp_path / "cn.toml"
    file.write_text('port = "eighty"\n')
    with pytest.raises(ConfigError, match=rf"Config 'port' from file {file} must be int"):
        load_settings({}, environ={}, config_path=str(file))
    with pytest.raises(ConfigError, match="Config 'port' from environment CN_PORT must be int"):
        load_settings({}, environ={"CN_PORT": "x"})


def test_out_of_range_value_is_refused() -> None:
    """Validation names the offending setting and its source."""
    with pytest.raises(ConfigError, match="Config 'port' from environment CN_PORT"):
        load_settings({}, environ={"CN_PORT": "70000"})


def test_missing_config_file_is_named() -> None:
    """CN_CONFIG pointing nowhere is an error naming the path."""
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings({}, environ={"CN_CONFIG": "/nonexistent/cn.toml"})


def test_empty_redis_url_means_embedded() -> None:
    """CN_REDIS_URL set but empty is the same as unset."""
    assert load_settings({}, environ={"CN_REDIS_URL": ""}).redis_url is None


def test_map_layers_are_checked_by_name() -> None:
    """``map_layers`` names the wall map's layers; a wrong name stops start-up naming it."""
    assert load_settings({}, environ={"CN_MAP_LAYERS": "streets,incidents"}).map_layers == "streets,incidents"
    with pytest.raises(ConfigError, match="map_layers.*cameras"):
        load_settings({}, environ={"CN_MAP_LAYERS": "streets,cameras"})
