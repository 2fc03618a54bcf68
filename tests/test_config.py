"""Settings: defaults, validation errors naming file and key, env overrides, paths."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import (
    Settings,
    TokenizerSettings,
    load_settings,
    parse_settings,
    with_paths,
    with_section,
)
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
        ("index:\n  engine: lucene\n",
         "index.engine: expected one of 'postings', 'matrix', 'rank_bm25'"),
        ("discord:\n  guild_ids: [1, x]\n", "discord.guild_ids[1]: expected a whole number"),
        ("bm25: 3\n", "bm25: expected a mapping"),
        ("bm25:\n  b: 1.5\n", "bm25.b: must be between 0 and 1"),
        ("limits:\n  default_results: 30\n", "default_results: must not exceed"),
        ("bm25: [\n", "not valid YAML (line 2)"),
        ("bm25:\n  k1: true\n", "bm25.k1: expected a number, got True"),
        ("limits:\n  max_results: '5'\n", "limits.max_results: expected a whole number, got '5'"),
        ("limits:\n  foo: 1\n", "unknown key 'limits.foo'"),
        ("bm25:\n  b: 2\n", "bm25.b: must be between 0 and 1, got 2"),
        ("archive:\n  max_paragraph_chars: 10\n", "must be at least 200, got 10"),
        ("discord:\n  view_timeout_seconds: 0\n", "must be between 1 and 900, got 0"),
        ("answers:\n  summary_sentences: 20\n",
         "answers.summary_sentences: must not exceed answers.summary_max_sentences"),
        ("archive:\n  path: ''\n", "archive.path: expected a path, got ''"),
        ("discord:\n  gateway_url: 5\n", "discord.gateway_url: expected a string, got 5"),
        ("- bm25\n", "the file: expected a mapping, got ['bm25']"),
        ("1: 2\n", "unknown key '1'"),
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


def test_an_empty_section_means_its_defaults(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, "bm25:\nlimits:\n  max_results: 30\n"), environ={})
    assert settings.bm25 == Settings().bm25
    assert settings.limits.max_results == 30


def test_parse_settings_validates_parsed_yaml(tmp_path: Path) -> None:
    settings = parse_settings({"index": {"path": "idx"}}, tmp_path, "inline")
    assert settings.index.path == tmp_path / "idx"
    with pytest.raises(ConfigError, match=r"^inline: bm25\.k1: expected a number"):
        parse_settings({"bm25": {"k1": "fast"}}, tmp_path, "inline")


def test_env_overrides_any_key_over_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "discord:\n  cooldown_rate: 5\nbm25:\n  b: 0.5\n")
    settings = load_settings(path, environ={
        "ARCHIVE_BOT_DISCORD__COOLDOWN_RATE": "3",
        "ARCHIVE_BOT_DISCORD__GUILD_IDS": "[123, 456]",
        "ARCHIVE_BOT_TOKENIZER__STEMMING": "false",
        "ARCHIVE_BOT_INDEX__ENGINE": "rank_bm25",
        "ARCHIVE_BOT_ANSWERS__MAX_WORK_SECONDS": "2.5",
        "ARCHIVE_BOT_DISCORD__OWNER_GUILD_ID": "42",
    })
    assert settings.discord.cooldown_rate == 3
    assert settings.discord.guild_ids == [123, 456]
    assert settings.tokenizer.stemming is False
    assert settings.index.engine == "rank_bm25"
    assert settings.answers.max_work_seconds == 2.5
    assert settings.discord.owner_guild_id == 42
    assert settings.bm25.b == 0.5  # the file's value where no variable is set
    assert settings.discord.cooldown_seconds == 30.0  # the default where neither is


def test_env_overrides_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no config/config.yaml here: the built-in defaults
    settings = load_settings(environ={"ARCHIVE_BOT_LIMITS__MAX_RESULTS": "40",
                                      "ARCHIVE_BOT_BM25": '{"k1": 1.2}'})
    assert settings.source is None
    assert settings.limits.max_results == 40 and settings.bm25.k1 == 1.2


def test_env_relative_paths_resolve_against_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "conf").mkdir()
    path = tmp_path / "conf" / "c.yaml"
    path.write_text("index:\n  path: idx\n")
    monkeypatch.chdir(tmp_path)
    settings = load_settings(path, environ={"ARCHIVE_BOT_ARCHIVE__PATH": "articles"})
    assert settings.archive.path == tmp_path / "articles"
    assert settings.index.path == tmp_path / "conf" / "idx"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("ARCHIVE_BOT_DISCORD__COOLDOWN_RATE", "lots",
         "discord.cooldown_rate: expected a whole number, got 'lots'"),
        ("ARCHIVE_BOT_DISCORD__GUILD_IDS", "1,2", "discord.guild_ids: expected a list, got '1,2'"),
        ("ARCHIVE_BOT_DISCORD__GUILD_IDS", '[1, "x"]', "discord.guild_ids[1]: expected a whole"),
        ("ARCHIVE_BOT_BM25__K1", "fast", "bm25.k1: expected a number, got 'fast'"),
        ("ARCHIVE_BOT_BM25__B", "2", "bm25.b: must be between 0 and 1"),
        ("ARCHIVE_BOT_LIMITS__FOO", "1", "unknown key 'limits.foo'"),
        ("ARCHIVE_BOT_LIMITS__DEFAULT_RESULTS", "30", "limits.default_results: must not exceed"),
        ("ARCHIVE_BOT_BM25", "fast", "bm25: expected a mapping, got 'fast'"),
        ("DISCORD_GATEWAY_URL", "", None),  # empty: not set
    ],
)
def test_env_errors_name_the_variable(
    tmp_path: Path, variable: str, value: str, message: str | None,
) -> None:
    path = write(tmp_path, "limits:\n  max_results: 25\n")
    if message is None:
        assert load_settings(path, environ={variable: value}).discord.gateway_url is None
        return
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ={variable: value})
    assert str(info.value).startswith(f"{variable}: {message}")
    assert "\n" not in str(info.value)


def test_prefixed_discord_urls_win_over_the_legacy_variables(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, ""), environ={
        "DISCORD_API_BASE_URL": "http://legacy/api/v10",
        "ARCHIVE_BOT_DISCORD__API_BASE_URL": "http://prefixed/api/v10",
        "DISCORD_GATEWAY_URL": "ws://legacy/gateway",
    })
    assert settings.discord.api_base_url == "http://prefixed/api/v10"
    assert settings.discord.gateway_url == "ws://legacy/gateway"


def test_settings_in_code_read_no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARCHIVE_BOT_BM25__K1", "9")
    assert Settings().bm25.k1 == 1.5
    assert load_settings(environ={"ARCHIVE_BOT_CONFIG": str(REPO / "config" / "config.yaml")}
                         ).bm25.k1 == 1.5  # an explicit environ replaces os.environ


def test_models_are_frozen_hashable_and_copied_with_changes() -> None:
    settings = load_settings(REPO / "config" / "config.yaml", environ={})
    assert {TokenizerSettings(): 1}[settings.tokenizer] == 1
    with pytest.raises(ValidationError):
        settings.bm25.k1 = 2.0  # type: ignore[misc]
    changed = with_section(settings, "answers", min_score=100.0)
    assert changed.answers.min_score == 100.0 and settings.answers.min_score == 2.0
    assert changed.source == settings.source == REPO / "config" / "config.yaml"
    moved = with_paths(settings, archive=Path("/srv/archive"))
    assert moved.archive.path == Path("/srv/archive") and moved.source == settings.source
    assert with_paths(settings) == settings
    assert Settings() == Settings()  # equality ignores where the settings came from
    assert load_settings(REPO / "config" / "config.yaml", environ={}) == settings
