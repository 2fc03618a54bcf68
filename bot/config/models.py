"""The settings models: one frozen, strict model per section of ``config/config.yaml``
(ranges as ``Field`` constraints, cross-field rules as validators) and :class:`Settings`, the
pydantic-settings root whose sources :mod:`bot.config.sources` provides."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, model_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from bot.config.sources import ENV_PREFIX, LOADING, Environment, YamlFile


def _path(value: object) -> Path:
    if isinstance(value, Path) or (isinstance(value, str) and value):
        return Path(value).expanduser()
    raise PydanticCustomError("path_type", "expected a path")


ConfigPath = Annotated[Path, BeforeValidator(_path)]


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class ArchiveSettings(_Section):
    path: ConfigPath = Path("seeds")
    # Optional YAML/JSON file overriding per-document fields (title, date, source, author,
    # url), keyed by doc_id. None: use ``metadata.yaml`` at the archive root when present.
    metadata: ConfigPath | None = None
    # Paragraphs longer than this are split at sentence boundaries (into consecutive
    # paragraphs) when the archive is indexed, so no single paragraph is huge to score.
    max_paragraph_chars: int = Field(default=4000, ge=200)
    # Follow symbolic links that lead outside the archive folder (never by default).
    follow_symlinks: bool = False
    # How a numeric date reads in the archive's text and fields: 03/04/2018 is 3 April
    # (day first, the default) or March 4 (false).
    date_day_first: bool = True


class IndexSettings(_Section):
    path: ConfigPath = Path("data/index")
    # "matrix": the former name of the postings engine, still accepted.
    # "ray": the index in ``shards`` shards, each scored by a Ray actor (README "Scaling out").
    engine: Literal["postings", "matrix", "rank_bm25", "ray"] = "postings"
    # Minutes between scheduled background reindexes; 0 turns the schedule off.
    reindex_interval_minutes: float = Field(default=0.0, ge=0)
    # Shards the index is split into (articles by a stable hash of doc_id) beside the whole
    # index, each scored with the whole corpus's statistics; 1: the single index only.
    shards: int = Field(default=1, ge=1, le=256)


class RaySettings(_Section):
    # ray://host:10001 or host:6379 of a running cluster (``ray start --head``); None: a
    # local Ray started by the bot. Needs the optional extra: pip install 'archive-bot[cluster]'.
    address: str | None = None
    num_cpus: int | None = Field(default=None, ge=1)  # a local Ray's CPUs (None: all)
    actor_cpus: float = Field(default=0.0, ge=0)  # CPUs each shard actor reserves
    max_restarts: int = Field(default=3, ge=0)  # a dead shard actor is restarted this often
    timeout_seconds: float = Field(default=10.0, gt=0)  # a shard's answer, before a retry
    # A replaced generation's actors serve the queries that started on it this long.
    retire_seconds: float = Field(default=10.0, ge=0)


class BM25Settings(_Section):
    k1: float = Field(default=1.5, ge=0)
    b: float = Field(default=0.75, ge=0, le=1)
    epsilon: float = Field(default=0.25, ge=0)


class TokenizerSettings(_Section):
    stopwords: bool = True
    stemming: bool = True


def _not_above(key: str, value: int, limit_key: str, limit: int, section: str) -> None:
    if value > limit:
        raise PydanticCustomError(
            "not_above", f"must not exceed {section}.{limit_key}", {"key": key})


class LimitSettings(_Section):
    query_max_chars: int = Field(default=300, ge=1, le=4000)
    default_results: int = Field(default=5, ge=1)
    max_results: int = Field(default=25, ge=1, le=100)

    @model_validator(mode="after")
    def _default_within_max(self) -> LimitSettings:
        _not_above("default_results", self.default_results, "max_results", self.max_results,
                   "limits")
        return self


class AnswerSettings(_Section):
    # An /ask whose best paragraph scores under this is "not found" rather than a weak guess.
    min_score: float = 2.0
    max_sentences: int = Field(default=3, ge=1, le=10)
    passages: int = Field(default=8, ge=1, le=100)
    summary_sentences: int = Field(default=5, ge=1)
    summary_max_sentences: int = Field(default=15, ge=1, le=50)
    quote_min_match: float = Field(default=60.0, ge=0, le=100)
    quote_limit: int = Field(default=5, ge=1, le=25)
    # The most one request may do: archive text read (UTF-8 bytes), and CPU seconds
    # (bot/core/budget.py); over either, the answer is "too large". 0 = no limit.
    max_work_bytes: int = Field(default=1_000_000, ge=0)
    max_work_seconds: float = Field(default=5.0, ge=0)

    @model_validator(mode="after")
    def _summary_within_max(self) -> AnswerSettings:
        _not_above("summary_sentences", self.summary_sentences, "summary_max_sentences",
                   self.summary_max_sentences, "answers")
        return self


def _postgres_url(value: object) -> object:
    """A ``postgresql://`` (or ``postgres://``) URL; the value is never echoed in the error
    (it may carry a password)."""
    if value is None:
        return None
    scheme = value.split(":", 1)[0].lower() if isinstance(value, str) else ""
    if scheme not in ("postgresql", "postgres") or "://" not in str(value):
        raise PydanticCustomError(
            "postgres_url", "expected a postgresql:// or postgres:// URL (value not shown)")
    return value


class QueryLogSettings(_Section):
    path: ConfigPath = Path("data/querylog.sqlite3")
    # The log on a PostgreSQL server instead of ``path`` (asyncpg: the postgresql extra);
    # it may carry a password, so it can come from ARCHIVE_BOT_QUERYLOG__URL.
    url: Annotated[str | None, BeforeValidator(_postgres_url)] = None
    retention_days: int = 90
    # Store users as salted hashes (the salt lives in the database) unless this is false.
    hash_users: bool = True
    batch_size: int = Field(default=200, ge=1)
    flush_interval_seconds: float = Field(default=1.0, ge=0)


class DiscordSettings(_Section):
    # Guilds to sync commands to instantly; empty means a global sync.
    guild_ids: list[int] = Field(default_factory=list)
    admin_role_ids: list[int] = Field(default_factory=list)
    cooldown_rate: int = Field(default=5, ge=1)
    cooldown_seconds: float = Field(default=30.0, ge=0)
    # CPU pool slots one user may hold at once (others queue fairly, round robin).
    max_concurrent_per_user: int = Field(default=2, ge=1)
    answer_mentions: bool = True
    reply_in_threads: bool = False
    ephemeral: bool = False
    page_size: int = Field(default=5, ge=1, le=10)
    view_timeout_seconds: float = Field(default=300.0, ge=1, le=900)
    # Answer slash commands in DMs too (per-channel settings do not apply there).
    allow_dms: bool = False
    api_base_url: str = "https://discord.com/api/v10"
    gateway_url: str | None = None
    # The operator's server: its members with Manage Server or an admin role (and the
    # application's owners) may run archive-wide actions such as reindex. None: owners only.
    owner_guild_id: int | None = None
    # Sharding (README "The bot in shards"): the bot's shard count and the shards this
    # process runs (None: all of them). Neither: one unsharded connection, as before.
    shard_count: int | None = Field(default=None, ge=1)
    shard_ids: list[int] | None = None
    # At most one IDENTIFY per identify bucket (shard_id % max_concurrency) this often:
    # Discord's rule is 5 s; lower it only against a local fake Discord (the tests).
    identify_interval_seconds: float = Field(default=5.0, ge=0)

    @model_validator(mode="after")
    def _shards_within_count(self) -> DiscordSettings:
        ids = self.shard_ids
        if ids is None:
            return self
        if self.shard_count is None:
            raise PydanticCustomError(
                "not_above", "needs discord.shard_count", {"key": "shard_ids"})
        if not ids or len(set(ids)) != len(ids) or min(ids) < 0:
            raise PydanticCustomError(
                "not_above", "must be distinct shard numbers (at least one, none negative)",
                {"key": "shard_ids"})
        if max(ids) >= self.shard_count:
            raise PydanticCustomError(
                "not_above", "each must be below discord.shard_count", {"key": "shard_ids"})
        return self


def _redis_url(value: object) -> object:
    """A ``redis://``, ``rediss://`` or ``unix://`` URL; never echoed (it may carry a
    password)."""
    if value is None:
        return None
    scheme = value.split(":", 1)[0].lower() if isinstance(value, str) else ""
    if scheme not in ("redis", "rediss", "unix") or "://" not in str(value):
        raise PydanticCustomError(
            "redis_url", "expected a redis://, rediss:// or unix:// URL (value not shown)")
    return value


class RedisSettings(_Section):
    # redis://host:6379/0 (or unix:///path/redis.sock): bot processes share Discord's
    # identify buckets through it. None: each process keeps its own (README "The bot in
    # shards"). Needs the optional extra: pip install 'archive-bot[redis]'.
    url: Annotated[str | None, BeforeValidator(_redis_url)] = None


class WatchSettings(_Section):
    """Saved searches that alert (``/watch``, ``archive-bot watch``; README "Saved searches
    and alerts")."""

    # The match rule: a paragraph is in the watch query's top_k over the whole archive (with
    # the watch's filters) AND its query terms carry at least min_coverage of the query's
    # idf weight.
    top_k: int = Field(default=50, ge=1, le=1000)
    min_coverage: float = Field(default=0.75, gt=0, le=1)
    max_per_user: int = Field(default=10, ge=1)  # watches one user may hold in a server
    max_per_guild: int = Field(default=100, ge=1)  # watches per server
    shown: int = Field(default=5, ge=1, le=10)  # paragraphs in one alert (then "N more")
    sends_per_second: float = Field(default=5.0, gt=0, le=45)  # alert messages, all watches
    poll_seconds: float = Field(default=2.0, gt=0)  # how often the bot looks for a new index


class TimelineSettings(_Section):
    """``/timeline`` and ``archive-bot timeline`` (README "Timeline")."""

    # The period: weeks when the span is shorter than weeks_below_days, years when it is
    # longer than years_above_days, else months.
    weeks_below_days: int = Field(default=92, ge=0)
    years_above_days: int = Field(default=2192, ge=1)
    top_articles: int = Field(default=3, ge=1, le=10)  # cited for the busiest period


class ExportSettings(_Section):
    """CSV exports (the "Export CSV" buttons, ``archive-bot export``; README "Exports")."""

    max_rows: int = Field(default=5000, ge=1, le=100_000)  # rows in one export
    max_file_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)  # Discord: 10 MiB a file
    max_parts: int = Field(default=3, ge=1, le=10)  # files (one follow-up each) per export


class FollowupSettings(_Section):
    # Read a question asked in a thread the bot opened in the context of the thread's first
    # question (README "Follow-up questions in threads"); false: every question on its own.
    enabled: bool = True
    # A question with at most this many content words (after stop words and dates) is a
    # follow-up; one with more stands on its own.
    max_words: int = Field(default=2, ge=0, le=10)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        frozen=True, extra="forbid", strict=True, env_prefix=ENV_PREFIX,
        env_nested_delimiter="__", env_ignore_empty=True)

    archive: ArchiveSettings = ArchiveSettings()
    index: IndexSettings = IndexSettings()
    bm25: BM25Settings = BM25Settings()
    tokenizer: TokenizerSettings = TokenizerSettings()
    limits: LimitSettings = LimitSettings()
    answers: AnswerSettings = AnswerSettings()
    querylog: QueryLogSettings = QueryLogSettings()
    discord: DiscordSettings = DiscordSettings()
    redis: RedisSettings = RedisSettings()
    ray: RaySettings = RaySettings()
    watches: WatchSettings = WatchSettings()
    timeline: TimelineSettings = TimelineSettings()
    exports: ExportSettings = ExportSettings()
    followups: FollowupSettings = FollowupSettings()
    # Where the settings came from (None: built-in defaults); not a key, not compared.
    _source: Path | None = PrivateAttr(default=None)

    @property
    def source(self) -> Path | None:
        return self._source

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Settings):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in type(self).model_fields)

    __hash__ = None  # type: ignore[assignment]  # sections hold lists, as before

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        load = LOADING.get()
        if load is None:  # Settings(...) in code: the defaults and the arguments only
            return (init_settings,)
        environment = Environment(settings_cls, load)
        if load.file is None:
            return init_settings, environment
        return init_settings, environment, YamlFile(settings_cls, load)
