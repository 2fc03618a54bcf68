-- 0004: saved searches that alert (/watch, archive-bot watch) and the paragraphs each one has
-- already reported or seen (a paragraph is its article's doc_id and a digest of its text).

CREATE TABLE watches (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused after a removal
    guild_id     TEXT    NOT NULL,
    owner_id     TEXT    NOT NULL,  -- the Discord user (a DM needs the real id)
    channel_id   TEXT,              -- NULL: alerts go to the owner by DM
    query        TEXT    NOT NULL,
    date_from    TEXT,
    date_to      TEXT,
    source       TEXT,
    created_at   TEXT    NOT NULL,
    paused_at    TEXT,              -- NULL: active
    pause_reason TEXT,
    owner_told   INTEGER NOT NULL DEFAULT 0 CHECK (owner_told IN (0, 1))
);

CREATE INDEX idx_watches_guild ON watches (guild_id, owner_id);

CREATE TABLE watch_seen (
    watch_id  INTEGER NOT NULL,
    doc_id    TEXT    NOT NULL,
    digest    TEXT    NOT NULL,
    paragraph INTEGER NOT NULL,
    seen_at   TEXT    NOT NULL,
    PRIMARY KEY (watch_id, doc_id, digest)
);
