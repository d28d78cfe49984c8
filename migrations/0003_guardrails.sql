-- dlc-share-bot schema v3: the guardrails admins set in chat (SPEC §9).

-- A role's own cap; NULL = capped by the guild's maximum only.
ALTER TABLE guild_allowed_roles
    ADD COLUMN max_expire_seconds INTEGER
        CHECK (max_expire_seconds BETWEEN 60 AND 604800);

-- Channels where /share works; no row for a guild means every channel.
CREATE TABLE guild_allowed_channels (
    guild_id   TEXT        NOT NULL CHECK (guild_id ~ '^[0-9]{1,20}$'),
    channel_id TEXT        NOT NULL CHECK (channel_id ~ '^[0-9]{1,20}$'),
    added_by   TEXT        NOT NULL,
    added_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (guild_id, channel_id)
);

-- Each policy value on its own: NULL means "the configured default", so `policy clear` can
-- hand a setting back to the operator's configuration. The existing check
-- (default <= max) still holds where both are set; the bot lowers the default to the maximum
-- in force where only one is.
ALTER TABLE guild_policies
    ALTER COLUMN default_expire_seconds DROP NOT NULL,
    ALTER COLUMN max_expire_seconds DROP NOT NULL,
    ADD COLUMN require_reason BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN audit_channel_id TEXT CHECK (audit_channel_id ~ '^[0-9]{1,20}$');

-- The member's reason, and (SPEC §10) who approved. Both are exported.
ALTER TABLE audit_log
    ADD COLUMN reason TEXT CHECK (length(reason) <= 256),
    ADD COLUMN approved_by TEXT;

ALTER TABLE audit_log DROP CONSTRAINT audit_log_outcome_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_outcome_check CHECK (outcome IN (
    'pending', 'issued', 'denied_role', 'denied_channel', 'invalid_input',
    'rate_limited', 'upstream_error', 'internal_error'));

ALTER TABLE admin_changes DROP CONSTRAINT admin_changes_action_check;
ALTER TABLE admin_changes ADD CONSTRAINT admin_changes_action_check CHECK (action IN (
    'role_add', 'role_remove', 'role_seed', 'role_cap', 'policy_set', 'policy_clear',
    'channel_add', 'channel_remove'));
