"""Settings: loaded and validated once at start-up, then passed in (never a global).

The YAML file mirrors these dataclasses section by section. An unknown key or a value of the
wrong type is a :class:`ConfigError` with one line naming the file and the key. Relative paths
in the file are resolved against the directory that holds the file, so the bot behaves the same
whatever the working directory. Secrets never live here: they come from the environment or
``.env`` (see :func:`load_settings`).
"""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar, Union, get_args, get_origin, get_type_hints

import yaml

from bot.errors import ConfigError

DEFAULT_CONFIG = Path("config/config.yaml")
CONFIG_ENV = "ARCHIVE_BOT_CONFIG"


@dataclass(frozen=True)
class ArchiveSettings:
    path: Path = Path("seeds")
    # Optional YAML/JSON file overriding per-document fields (title, date, source, author,
    # url), keyed by doc_id. None: use ``metadata.yaml`` at the archive root when present.
    metadata: Path | None = None
    # Paragraphs longer than this are split at sentence boundaries (into consecutive
    # paragraphs) when the archive is indexed, so no single paragraph is huge to score.
    max_paragraph_chars: int = 4000
    # Follow symbolic links that lead outside the archive folder (never by default).
    follow_symlinks: bool = False


@dataclass(frozen=True)
class IndexSettings:
    path: Path = Path("data/index")
    engine: Literal["matrix", "rank_bm25"] = "matrix"
    # Minutes between scheduled background reindexes; 0 turns the schedule off.
    reindex_interval_minutes: float = 0.0


@dataclass(frozen=True)
class BM25Settings:
    k1: float = 1.5
    b: float = 0.75
    epsilon: float = 0.25


@dataclass(frozen=True)
class TokenizerSettings:
    stopwords: bool = True
    stemming: bool = True


@dataclass(frozen=True)
class LimitSettings:
    query_max_chars: int = 300
    default_results: int = 5
    max_results: int = 25


@dataclass(frozen=True)
class AnswerSettings:
    # An /ask whose best paragraph scores under this is "not found" rather than a weak guess.
    min_score: float = 2.0
    max_sentences: int = 3
    passages: int = 8
    summary_sentences: int = 5
    summary_max_sentences: int = 15
    quote_min_match: float = 60.0
    quote_limit: int = 5
    # The most one request may do: archive text read (UTF-8 bytes), and CPU seconds
    # (bot/core/budget.py); over either, the answer is "too large". 0 = no limit.
    max_work_bytes: int = 1_000_000
    max_work_seconds: float = 5.0


@dataclass(frozen=True)
class QueryLogSettings:
    path: Path = Path("data/querylog.sqlite3")
    retention_days: int = 90
    # Store users as salted hashes (the salt lives in the database) unless this is false.
    hash_users: bool = True
    batch_size: int = 200
    flush_interval_seconds: float = 1.0


@dataclass(frozen=True)
class DiscordSettings:
    # Guilds to sync commands to instantly; empty means a global sync.
    guild_ids: list[int] = field(default_factory=list)
    admin_role_ids: list[int] = field(default_factory=list)
    cooldown_rate: int = 5
    cooldown_seconds: float = 30.0
    # CPU pool slots one user may hold at once (others queue fairly, round robin).
    max_concurrent_per_user: int = 2
    answer_mentions: bool = True
    reply_in_threads: bool = False
    ephemeral: bool = False
    page_size: int = 5
    view_timeout_seconds: float = 300.0
    # Answer slash commands in DMs too (per-channel settings do not apply there).
    allow_dms: bool = False
    api_base_url: str = "https://discord.com/api/v10"
    gateway_url: str | None = None
    # The operator's server: its members with Manage Server or an admin role (and the
    # application's owners) may run archive-wide actions such as reindex. None: owners only.
    owner_guild_id: int | None = None


@dataclass(frozen=True)
class Settings:
    archive: ArchiveSettings = field(default_factory=ArchiveSettings)
    index: IndexSettings = field(default_factory=IndexSettings)
    bm25: BM25Settings = field(default_factory=BM25Settings)
    tokenizer: TokenizerSettings = field(default_factory=TokenizerSettings)
    limits: LimitSettings = field(default_factory=LimitSettings)
    answers: AnswerSettings = field(default_factory=AnswerSettings)
    querylog: QueryLogSettings = field(default_factory=QueryLogSettings)
    discord: DiscordSettings = field(default_factory=DiscordSettings)
    # Where the settings came from (None: built-in defaults); not a YAML key.
    source: Path | None = field(default=None, compare=False)


T = TypeVar("T")


def _describe(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _convert(value: Any, hint: Any, key: str, base: Path, where: str) -> Any:
    """Check ``value`` against the type ``hint`` and convert it (paths resolved)."""
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        options = get_args(hint)
        if value is None and type(None) in options:
            return None
        errors: list[ConfigError] = []
        for option in options:
            if option is type(None):
                continue
            try:
                return _convert(value, option, key, base, where)
            except ConfigError as exc:
                errors.append(exc)
        raise errors[0]
    if origin is Literal:
        allowed = get_args(hint)
        if value not in allowed:
            choices = ", ".join(repr(a) for a in allowed)
            raise ConfigError(f"{where}: {key}: expected one of {choices}, got {_describe(value)}")
        return value
    if origin is list:
        (item_hint,) = get_args(hint)
        if not isinstance(value, list):
            raise ConfigError(f"{where}: {key}: expected a list, got {_describe(value)}")
        return [_convert(v, item_hint, f"{key}[{i}]", base, where) for i, v in enumerate(value)]
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return _build(hint, value, key, base, where)
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: {key}: expected true or false, got {_describe(value)}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: {key}: expected a whole number, got {_describe(value)}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where}: {key}: expected a number, got {_describe(value)}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: {key}: expected a string, got {_describe(value)}")
        return value
    if hint is Path:
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{where}: {key}: expected a path, got {_describe(value)}")
        path = Path(value).expanduser()
        return Path(os.path.normpath(path if path.is_absolute() else base / path))
    raise ConfigError(f"{where}: {key}: unsupported setting type {hint!r}")  # pragma: no cover


def _build(cls: type[T], data: Any, prefix: str, base: Path, where: str) -> T:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        name = prefix or "the file"
        raise ConfigError(f"{where}: {name}: expected a mapping, got {_describe(data)}")
    hints = get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls) if f.name != "source"}  # type: ignore[arg-type]
    for key in data:
        if key not in names:
            full = f"{prefix}.{key}" if prefix else str(key)
            raise ConfigError(f"{where}: unknown key {full!r}")
    kwargs = {
        key: _convert(value, hints[key], f"{prefix}.{key}" if prefix else key, base, where)
        for key, value in data.items()
    }
    try:
        return cls(**kwargs)
    except TypeError as exc:  # pragma: no cover - guarded by the checks above
        raise ConfigError(f"{where}: {prefix}: {exc}") from exc


def _resolve_defaults(settings: Settings, base: Path) -> Settings:
    """Resolve the built-in relative default paths against ``base``."""
    def fix(p: Path) -> Path:
        return Path(os.path.normpath(p if p.is_absolute() else base / p))

    archive = settings.archive
    return dataclasses.replace(
        settings,
        archive=dataclasses.replace(
            archive,
            path=fix(archive.path),
            metadata=fix(archive.metadata) if archive.metadata else None,
        ),
        index=dataclasses.replace(settings.index, path=fix(settings.index.path)),
        querylog=dataclasses.replace(settings.querylog, path=fix(settings.querylog.path)),
    )


# (section, key, lowest allowed, highest allowed or None)
_RANGES: tuple[tuple[str, str, float, float | None], ...] = (
    ("archive", "max_paragraph_chars", 200, None),
    ("bm25", "k1", 0.0, None),
    ("bm25", "b", 0.0, 1.0),
    ("bm25", "epsilon", 0.0, None),
    ("limits", "query_max_chars", 1, 4000),
    ("limits", "default_results", 1, None),
    ("limits", "max_results", 1, 100),
    ("answers", "max_sentences", 1, 10),
    ("answers", "passages", 1, 100),
    ("answers", "summary_sentences", 1, None),
    ("answers", "summary_max_sentences", 1, 50),
    ("answers", "quote_min_match", 0.0, 100.0),
    ("answers", "quote_limit", 1, 25),
    ("answers", "max_work_bytes", 0, None),
    ("answers", "max_work_seconds", 0.0, None),
    ("querylog", "batch_size", 1, None),
    ("querylog", "flush_interval_seconds", 0.0, None),
    ("discord", "cooldown_rate", 1, None),
    ("discord", "cooldown_seconds", 0.0, None),
    ("discord", "max_concurrent_per_user", 1, None),
    ("discord", "page_size", 1, 10),
    ("discord", "view_timeout_seconds", 1.0, 900.0),
    ("index", "reindex_interval_minutes", 0.0, None),
)


def _check_ranges(settings: Settings, where: str) -> None:
    for section, key, low, high in _RANGES:
        value = getattr(getattr(settings, section), key)
        if value < low or (high is not None and value > high):
            bound = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
            raise ConfigError(f"{where}: {section}.{key}: must be {bound}, got {value!r}")
    limits = settings.limits
    if limits.default_results > limits.max_results:
        raise ConfigError(f"{where}: limits.default_results: must not exceed limits.max_results")
    answers = settings.answers
    if answers.summary_sentences > answers.summary_max_sentences:
        raise ConfigError(
            f"{where}: answers.summary_sentences: must not exceed answers.summary_max_sentences"
        )


def parse_settings(data: Any, base: Path, where: str) -> Settings:
    """Validate already-parsed YAML ``data``; relative paths resolve against ``base``."""
    settings = _build(Settings, data, "", base, where)
    _check_ranges(settings, where)
    return _resolve_defaults(settings, base)


def config_path(path: Path | None, environ: typing.Mapping[str, str]) -> tuple[Path, bool]:
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


def load_settings(
    path: Path | None = None,
    *,
    environ: typing.Mapping[str, str] | None = None,
) -> Settings:
    """Load settings from ``path``, ``$ARCHIVE_BOT_CONFIG`` or ``config/config.yaml``.

    When no file is named and the default file does not exist, the built-in defaults are
    used with paths relative to the working directory (the bundled ``seeds/`` archive).
    ``DISCORD_API_BASE_URL`` and ``DISCORD_GATEWAY_URL`` in the environment override the
    file's ``discord`` URLs.
    """
    env = os.environ if environ is None else environ
    chosen, explicit = config_path(path, env)
    if not chosen.exists():
        if explicit:
            raise ConfigError(f"{chosen}: config file not found")
        settings = _resolve_defaults(Settings(), Path.cwd())
    else:
        where = str(chosen)
        try:
            text = chosen.read_text(encoding="utf-8")
            data = yaml.safe_load(text)
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{where}: cannot read: {exc}") from exc
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f" (line {mark.line + 1})" if mark is not None else ""
            raise ConfigError(f"{where}: not valid YAML{line}") from exc
        settings = parse_settings(data, chosen.resolve().parent, where)
        settings = dataclasses.replace(settings, source=chosen)
    overrides: dict[str, Any] = {}
    if env.get("DISCORD_API_BASE_URL"):
        overrides["api_base_url"] = env["DISCORD_API_BASE_URL"]
    if env.get("DISCORD_GATEWAY_URL"):
        overrides["gateway_url"] = env["DISCORD_GATEWAY_URL"]
    if overrides:
        settings = dataclasses.replace(
            settings, discord=dataclasses.replace(settings.discord, **overrides)
        )
    return settings


def with_paths(
    settings: Settings, *, archive: Path | None = None, index: Path | None = None
) -> Settings:
    """Return ``settings`` with the archive and/or index folder replaced (CLI overrides)."""
    if archive is not None:
        settings = dataclasses.replace(
            settings, archive=dataclasses.replace(settings.archive, path=archive.resolve())
        )
    if index is not None:
        settings = dataclasses.replace(
            settings, index=dataclasses.replace(settings.index, path=index.resolve())
        )
    return settings
