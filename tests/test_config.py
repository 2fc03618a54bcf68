"""Settings: defaults, validation errors naming file and key, env overrides, paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Settings, load_settings
from bot.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


def test_repository_config_equals_builtin_defaults() -> None:
    loaded = load_settings(REPO / "config" / "config.yaml", environ={})
    builtin = Settings()
    for section in ("bm25", "tokenizer", "limits", "answers", "discord"):
        assert getattr(loaded, section) == getattr(builtin, section), section
    assert loaded.archive.path == REPO / "seeds"
    assert loaded.index.path == REPO / "data" / "index"


def test_relative_paths_resolve_against_the_file(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    path = tmp_path / "conf" / "c.yaml"
    path.write_text("archive:\n  path: ../articles\nindex:\n  path: idx\n")
    settings = load_settings(path, environ={})
    assert settings.archive.path == tmp_path / "articles"
    assert settings.index.path == tmp_path / "conf" / "idx"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("bm25:\n  k2: 1\n", "unknown key 'bm25.k2'"),
        ("colour: red\n", "unknown key 'colour'"),
        ("bm25:\n  k1: fast\n", "bm25.k1: expected a number, got 'fast'"),
        ("limits:\n  max_results: 2.5\n", "limits.max_results: expected a whole number"),
        ("tokenizer:\n  stemming: yes please\n", "tokenizer.stemming: expected true or false"),
        ("index:\n  engine: lucene\n", "index.engine: expected one of 'matrix', 'rank_bm25'"),
        ("discord:\n  guild_ids: [1, x]\n", "discord.guild_ids[1]: expected a whole number"),
        ("bm25: 3\n", "bm25: expected a mapping"),
        ("bm25:\n  b: 1.5\n", "bm25.b: must be between 0 and 1"),
        ("limits:\n  default_results: 30\n", "default_results: must not exceed"),
        ("bm25: [\n", "not valid YAML (line 2)"),
    ],
)
def test_errors_name_the_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ={})
    assert str(info.value).startswith(str(path))
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_named_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nope.yaml", environ={})


def test_config_from_environment_variable(tmp_path: Path) -> None:
    path = write(tmp_path, "limits:\n  query_max_chars: 50\n")
    settings = load_settings(environ={"ARCHIVE_BOT_CONFIG": str(path)})
    assert settings.limits.query_max_chars == 50


def test_env_overrides_discord_urls(tmp_path: Path) -> None:
    path = write(tmp_path, "discord:\n  api_base_url: http://proxy/api/v10\n")
    settings = load_settings(
        path,
        environ={"DISCORD_API_BASE_URL": "http://127.0.0.1:9/api/v10",
                 "DISCORD_GATEWAY_URL": "ws://127.0.0.1:9/gateway"},
    )
    assert settings.discord.api_base_url == "http://127.0.0.1:9/api/v10"
    assert settings.discord.gateway_url == "ws://127.0.0.1:9/gateway"


def test_empty_file_means_defaults(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, ""), environ={})
    assert settings.bm25 == Settings().bm25
    assert settings.archive.path == tmp_path / "seeds"
