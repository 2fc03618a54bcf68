-- 0003: requests the bot refused (a bad option, a cooldown, a disabled channel, no admin
-- rights) are marked, so the archive's gaps ("unanswered") count only real questions that
-- found nothing.

ALTER TABLE queries ADD COLUMN refused INTEGER NOT NULL DEFAULT 0 CHECK (refused IN (0, 1));
