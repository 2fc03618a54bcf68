-- 0002: per-channel settings (NULL = use the configured default) and the admin audit trail.

CREATE TABLE channel_settings (
    guild_id        TEXT NOT NULL,
    channel_id      TEXT NOT NULL,
    enabled         INTEGER CHECK (enabled IN (0, 1)),
    answer_mentions INTEGER CHECK (answer_mentions IN (0, 1)),
    ephemeral       INTEGER CHECK (ephemeral IN (0, 1)),
    threads         INTEGER CHECK (threads IN (0, 1)),
    updated_at      TEXT NOT NULL,
    updated_by      TEXT,
    PRIMARY KEY (guild_id, channel_id)
);

-- Every admin command attempt, refused ones included.
CREATE TABLE admin_audit (
    id         INTEGER PRIMARY KEY,
    ts         TEXT    NOT NULL,
    guild_id   TEXT,
    channel_id TEXT,
    user_key   TEXT,
    action     TEXT    NOT NULL,
    allowed    INTEGER NOT NULL CHECK (allowed IN (0, 1)),
    detail     TEXT
);

CREATE INDEX idx_admin_audit_ts ON admin_audit (ts);
CREATE INDEX idx_admin_audit_user_key ON admin_audit (user_key);
