"""The settings sources of one :func:`~bot.config.load_settings` call: the YAML file and
the environment (``ARCHIVE_BOT_SECTION__KEY``, the legacy Discord URL variables), each
recording what it set so that an error can name the variable."""

from __future__ import annotations

import contextvars
from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, EnvSettingsSource, YamlConfigSettingsSource

from bot.config.messages import describe
from bot.errors import ConfigError

ENV_PREFIX = "ARCHIVE_BOT_"
# Unprefixed variables kept from before every key had its own (the prefixed one wins).
LEGACY_ENV = {"DISCORD_API_BASE_URL": "api_base_url", "DISCORD_GATEWAY_URL": "gateway_url"}
# libyaml's safe loader when PyYAML was built with it (the wheels are): the same documents,
# read several times faster than the pure-Python one (a one-shot command reads the config).
SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Load:
    """One :func:`load_settings` call: what the sources read, and which variable set what."""

    file: Path | None
    where: str
    environ: Mapping[str, str]
    origins: dict[tuple[str, ...], str] = field(default_factory=dict)

    def origin(self, loc: tuple[str | int, ...]) -> str | None:
        """The environment variable that set the key at ``loc`` (or its section), if any."""
        return self.origins.get(tuple(map(str, loc[:2]))) or self.origins.get((str(loc[0]),))


LOADING: contextvars.ContextVar[Load | None] = contextvars.ContextVar("LOADING", default=None)


def sections(data: Any, where: str, names: Container[str]) -> dict[str, Any]:
    """The file's top level: a mapping of known sections (an empty section means defaults)."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: the file: expected a mapping, got {describe(data)}")
    for key in data:
        if key not in names:
            raise ConfigError(f"{where}: unknown key {str(key)!r}")
    return {key: {} if value is None else value for key, value in data.items()}


class YamlFile(YamlConfigSettingsSource):
    def __init__(self, settings_cls: type[BaseSettings], load: Load) -> None:
        self.where, self.keys = load.where, settings_cls.model_fields  # read by super's init
        super().__init__(settings_cls, yaml_file=load.file)

    def _read_file(self, path: Any) -> dict[str, Any]:
        with path.open(encoding="utf-8") as file:  # YAML is UTF-8 (pydantic-settings' default)
            data = yaml.load(file, Loader=SAFE_LOADER)  # a safe loader: no tags run code
        return sections(data, self.where, self.keys)


class Environment(EnvSettingsSource):
    """``ARCHIVE_BOT_SECTION__KEY`` (or a whole section as JSON in ``ARCHIVE_BOT_SECTION``)
    from the given mapping, not ``os.environ``; records which variable set which key."""

    def __init__(self, settings_cls: type[BaseSettings], load: Load) -> None:
        super().__init__(settings_cls)
        self.load = load
        self.env_vars = {k.lower(): v for k, v in load.environ.items() if v}
        self.names = {k.lower(): k for k in load.environ}

    def decode_complex_value(self, field_name: str, field: FieldInfo, value: Any) -> Any:
        try:
            return super().decode_complex_value(field_name, field, value)
        except ValueError:  # not JSON: validation reports it, naming the variable
            return value

    def __call__(self) -> dict[str, Any]:
        data = super().__call__()
        discord = data.get("discord", {})
        for name, key in LEGACY_ENV.items():
            if self.load.environ.get(name) and isinstance(discord, dict) and key not in discord:
                discord = data["discord"] = {**discord, key: self.load.environ[name]}
                self.load.origins["discord", key] = name
        for name, values in data.items():
            self._record(name, values)
        return data

    def _record(self, section: str, values: Any) -> None:
        whole = self.names.get(f"{ENV_PREFIX}{section}".lower())
        if whole is not None:
            self.load.origins[(section,)] = whole
        for key in values if isinstance(values, dict) else ():
            variable = self.names.get(f"{ENV_PREFIX}{section}__{key}".lower())
            self.load.origins.setdefault((section, str(key)), variable or whole or "environment")
