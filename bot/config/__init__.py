"""Settings: loaded and validated once at start-up, then passed in (never a global).

:func:`load_settings` reads ``ARCHIVE_BOT_SECTION__KEY`` variables (and the legacy
``DISCORD_API_BASE_URL`` and ``DISCORD_GATEWAY_URL``) over the YAML file over the built-in
defaults; ``Settings(...)`` in code reads neither. A bad key or value is a
:class:`ConfigError`: one line naming the file (or the variable) and the key. Relative paths
resolve against the file's folder (against the working directory for the environment's, and
for the defaults when no file is found). Secrets never live here.

- :mod:`.models`: the section models and the :class:`Settings` root (pydantic-settings);
- :mod:`.sources`: the YAML file and environment sources of one load;
- :mod:`.messages`: a validation error as one line.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_settings import SettingsError

from bot.config.messages import explain
from bot.config.models import (
    AnswerSettings,
    ArchiveSettings,
    BM25Settings,
    DiscordSettings,
    IndexSettings,
    LimitSettings,
    QueryLogSettings,
    Settings,
    TokenizerSettings,
)
from bot.config.sources import ENV_PREFIX, LEGACY_ENV, LOADING, Load, sections
from bot.errors import ConfigError

__all__ = [
    "CONFIG_ENV", "DEFAULT_CONFIG", "ENV_PREFIX", "LEGACY_ENV", "AnswerSettings",
    "ArchiveSettings", "BM25Settings", "DiscordSettings", "IndexSettings", "LimitSettings",
    "QueryLogSettings", "Settings", "TokenizerSettings", "config_path", "describe_source",
    "load_settings", "parse_settings", "with_paths", "with_section",
]

log = logging.getLogger(__name__)

DEFAULT_CONFIG = Path("config/config.yaml")
CONFIG_ENV = "ARCHIVE_BOT_CONFIG"


def _resolve_paths(settings: Settings, base: Path, load: Load) -> Settings:
    """Every relative path made absolute: against the working directory when the environment
    set it, else against ``base``."""
    def fix(section: str, key: str, path: Path) -> Path:
        root = Path.cwd() if load.origin((section, key)) else base
        return Path(os.path.normpath(path if path.is_absolute() else root / path))

    updates = {}
    for name in type(settings).model_fields:
        section: BaseModel = getattr(settings, name)
        paths = {k: fix(name, k, v) for k, v in section if isinstance(v, Path)}
        if paths:
            updates[name] = section.model_copy(update=paths)
    return settings.model_copy(update=updates)


def _validated(load: Load, base: Path, data: Any = None) -> Settings:
    """Settings from the sources (``data``: already-parsed YAML instead), paths resolved."""
    token = LOADING.set(load)
    try:
        settings = Settings() if data is None else Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(explain(exc.errors()[0], load, Settings)) from None
    except SettingsError as exc:
        raise ConfigError(f"{load.where}: {exc}") from None
    finally:
        LOADING.reset(token)
    return _resolve_paths(settings, base, load)


def parse_settings(data: Any, base: Path, where: str) -> Settings:
    """Validate already-parsed YAML ``data``; relative paths resolve against ``base``."""
    return _validated(Load(None, where, {}), base, sections(data, where, Settings.model_fields))


def config_path(path: Path | None, environ: Mapping[str, str]) -> tuple[Path, bool]:
    """The config file to read (``path``, ``$ARCHIVE_BOT_CONFIG`` or ``config/config.yaml``)
    and whether it was named explicitly (then it must exist)."""
    if path is not None:
        return path, True
    named = environ.get(CONFIG_ENV)
    return (Path(named), True) if named else (DEFAULT_CONFIG, False)


def describe_source(settings: Settings) -> str:
    """Which config file is in use, or that none was found (for error messages)."""
    if settings.source is not None:
        return f"config: {settings.source.resolve()}"
    return (f"no config file found ({DEFAULT_CONFIG} in {Path.cwd()}); built-in defaults in "
            f"use: pass --config or set ${CONFIG_ENV}")


def _read_yaml(load: Load) -> Settings:
    file = load.file
    if file is None or file.is_dir():
        raise ConfigError(f"{load.where}: cannot read: not a file")
    try:
        settings = _validated(load, file.resolve().parent)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{load.where}: cannot read: {exc}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark is not None else ""
        raise ConfigError(f"{load.where}: not valid YAML{line}") from exc
    settings._source = file
    return settings


def load_settings(
    path: Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Load settings from ``path``, ``$ARCHIVE_BOT_CONFIG`` or ``config/config.yaml``, with
    ``ARCHIVE_BOT_SECTION__KEY`` variables of ``environ`` (default ``os.environ``) on top.

    When no file is named and the default file does not exist, the built-in defaults are
    used with paths relative to the working directory (the bundled ``seeds/`` archive).
    ``DISCORD_API_BASE_URL`` and ``DISCORD_GATEWAY_URL`` still override the ``discord`` URLs.
    """
    env = os.environ if environ is None else environ
    chosen, explicit = config_path(path, env)
    if chosen.exists():
        load = Load(chosen, str(chosen), env)
        settings = _read_yaml(load)
    elif explicit:
        raise ConfigError(f"{chosen}: config file not found")
    else:
        load = Load(None, "environment", env)
        settings = _validated(load, Path.cwd())
    log.debug("settings from %s; set by the environment: %s",
              load.file or "built-in defaults", sorted(set(load.origins.values())) or "nothing")
    return settings


def with_section(settings: Settings, name: str, **changes: Any) -> Settings:
    """``settings`` with some keys of section ``name`` replaced, not validated (tests and
    benchmarks build variants this way; CLI overrides use :func:`with_paths`)."""
    section: BaseModel = getattr(settings, name)
    return settings.model_copy(update={name: section.model_copy(update=changes)})


def with_paths(
    settings: Settings, *, archive: Path | None = None, index: Path | None = None
) -> Settings:
    """Return ``settings`` with the archive and/or index folder replaced (CLI overrides)."""
    if archive is not None:
        settings = with_section(settings, "archive", path=archive.resolve())
    if index is not None:
        settings = with_section(settings, "index", path=index.resolve())
    return settings
