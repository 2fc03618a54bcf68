-- 0001: the query log (one row per query) and per-database metadata.
-- Timestamps are UTC ISO 8601 text with milliseconds and a 'Z', so they sort as text.

CREATE TABLE queries (
    id           INTEGER PRIMARY KEY,
    ts           TEXT    NOT NULL,
    guild_id     TEXT,
    channel_id   TEXT,
    user_key     TEXT,                                -- salted hash or raw id
    command      TEXT    NOT NULL,                    -- search|ask|summary|quote|mention|admin:...|cli:...
    query        TEXT    NOT NULL DEFAULT '',
    filters      TEXT    NOT NULL DEFAULT '{}',       -- JSON object
    result_count INTEGER NOT NULL DEFAULT 0,
    found        INTEGER NOT NULL DEFAULT 0 CHECK (found IN (0, 1)),
    top_hits     TEXT    NOT NULL DEFAULT '[]',       -- JSON list of [doc_id, paragraph]
    latency_ms   REAL,
    error_id     TEXT,
    feedback     INTEGER CHECK (feedback IN (-1, 1)),
    feedback_at  TEXT,
    request_id   TEXT    UNIQUE
);

CREATE INDEX idx_queries_ts ON queries (ts);
CREATE INDEX idx_queries_user_key ON queries (user_key);
CREATE INDEX idx_queries_command ON queries (command);

-- Key/value pairs; 'user_salt' holds the random salt for user keys.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
