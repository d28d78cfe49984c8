-- dlc-share-bot schema v2: GCRA state shared by every replica (SPEC §11, ratelimit.backend =
-- "postgres"). One row per limited key; decided by the database clock, one statement per check
-- (src/store/ratelimit.rs).
--
-- `tat` is the cell's theoretical arrival time: a request at `now` is allowed when
-- now >= max(tat, now) - tolerance. A row whose `tat` is in the past is back to full capacity,
-- the same as no row, so the retention job deletes it.
CREATE TABLE rate_limits (
    -- 'user' (key = Discord user id) or 'guild' (key = guild id).
    scope        TEXT        NOT NULL CHECK (scope IN ('user', 'guild')),
    key          TEXT        NOT NULL CHECK (key ~ '^[0-9]{1,20}$'),
    tat          TIMESTAMPTZ NOT NULL,
    -- The decision of the latest check. `INSERT … ON CONFLICT DO UPDATE … RETURNING` sees only
    -- the new row (PostgreSQL before 18 has no RETURNING OLD), and a refusal leaves `tat` as
    -- it was, so the statement records its decision here to return it.
    last_allowed BOOLEAN     NOT NULL,
    PRIMARY KEY (scope, key)
);

-- No index on `tat`: every check rewrites it, and an index would make each of those updates
-- maintain it (no HOT update). The table holds only recently active keys; the hourly retention
-- pass scans it.
