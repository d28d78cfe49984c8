-- dlc-share-bot schema v1: the write-ahead audit log (SPEC §5), guild allowlists and policies,
-- and the audit of admin changes.
--
-- Discord ids (snowflakes, u64) and operator logins are stored as TEXT: a u64 does not fit a
-- BIGINT, and `user_id` also holds the local login for `dlc-share-bot token`. Guild and role ids
-- are checked to be decimal snowflakes where only snowflakes belong.

-- One row per share attempt. `pending` is the write-ahead state: the row exists before GetToken
-- is called and is completed with one of the six SPEC outcomes afterwards.
CREATE TABLE audit_log (
    id                       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    interaction_id           TEXT        NOT NULL,
    created_at               TIMESTAMPTZ NOT NULL DEFAULT now(),
    completed_at             TIMESTAMPTZ,
    guild_id                 TEXT,
    channel_id               TEXT,
    user_id                  TEXT        NOT NULL,
    user_name                TEXT        NOT NULL,
    target_type              TEXT        NOT NULL,
    target_id                TEXT        NOT NULL,
    requested_expire_seconds BIGINT,
    expire_seconds           BIGINT,
    outcome                  TEXT        NOT NULL DEFAULT 'pending',
    error_code               TEXT,
    request_id               TEXT,
    latency_ms               BIGINT,
    token_sha256             TEXT,

    -- A replayed interaction id must never produce a second row (or a second token).
    CONSTRAINT audit_log_interaction_id_key UNIQUE (interaction_id),
    CONSTRAINT audit_log_interaction_id_check
        CHECK (length(interaction_id) BETWEEN 1 AND 256),
    CONSTRAINT audit_log_guild_id_check CHECK (guild_id ~ '^[0-9]{1,20}$'),
    CONSTRAINT audit_log_channel_id_check CHECK (channel_id ~ '^[0-9]{1,20}$'),
    CONSTRAINT audit_log_target_type_check CHECK (target_type IN ('job', 'tensorboard')),
    CONSTRAINT audit_log_outcome_check CHECK (outcome IN (
        'pending', 'issued', 'denied_role', 'invalid_input',
        'rate_limited', 'upstream_error', 'internal_error')),
    -- Pending rows are exactly the uncompleted ones.
    CONSTRAINT audit_log_completed_check CHECK ((outcome = 'pending') = (completed_at IS NULL)),
    CONSTRAINT audit_log_latency_check CHECK (latency_ms >= 0),
    CONSTRAINT audit_log_expire_check
        CHECK (requested_expire_seconds >= 0 AND expire_seconds >= 0),
    -- Only a fingerprint fits here: a bug that passed the token itself would be refused.
    CONSTRAINT audit_log_token_sha256_check CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
    CONSTRAINT audit_log_token_issued_check CHECK (token_sha256 IS NULL OR outcome = 'issued')
);

-- Export and retention scan by time; `/share-admin audit` and `audit --guild/--user` by
-- guild or user, newest first.
CREATE INDEX audit_log_created_at_idx ON audit_log (created_at);
CREATE INDEX audit_log_guild_created_idx ON audit_log (guild_id, created_at);
CREATE INDEX audit_log_user_created_idx ON audit_log (user_id, created_at);
-- The periodic job closes pending rows left by a process that died mid-request.
CREATE INDEX audit_log_pending_idx ON audit_log (created_at) WHERE outcome = 'pending';

-- Roles allowed to share in a guild: deny by default, so no row means nobody.
CREATE TABLE guild_allowed_roles (
    guild_id TEXT        NOT NULL CHECK (guild_id ~ '^[0-9]{1,20}$'),
    role_id  TEXT        NOT NULL CHECK (role_id ~ '^[0-9]{1,20}$'),
    added_by TEXT        NOT NULL,
    added_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (guild_id, role_id)
);

-- A guild's expiry policy; no row means the configured defaults apply.
CREATE TABLE guild_policies (
    guild_id               TEXT        PRIMARY KEY CHECK (guild_id ~ '^[0-9]{1,20}$'),
    default_expire_seconds INTEGER     NOT NULL CHECK (default_expire_seconds BETWEEN 60 AND 604800),
    max_expire_seconds     INTEGER     NOT NULL CHECK (max_expire_seconds BETWEEN 60 AND 604800),
    updated_by             TEXT        NOT NULL,
    updated_at             TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT guild_policies_default_le_max CHECK (default_expire_seconds <= max_expire_seconds)
);

-- Who changed which role or policy, when. Never pruned: it is small, and configuration
-- seeding reads it to keep an admin's removal of a seeded role in force.
CREATE TABLE admin_changes (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    guild_id   TEXT        NOT NULL CHECK (guild_id ~ '^[0-9]{1,20}$'),
    actor_id   TEXT        NOT NULL,
    actor_name TEXT        NOT NULL,
    action     TEXT        NOT NULL
        CHECK (action IN ('role_add', 'role_remove', 'role_seed', 'policy_set')),
    detail     JSONB       NOT NULL DEFAULT '{}'::jsonb
);

CREATE INDEX admin_changes_guild_idx ON admin_changes (guild_id, id);
