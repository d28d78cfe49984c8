-- Job-aware sharing: what the look-up said about the target, written with the row, and the
-- refusal of a target whose workspace is outside the workspace rule.

ALTER TABLE audit_log
    -- The target's display name as PAI-DLC reported it (cut to 100 characters); untrusted
    -- text, escaped wherever it is shown.
    ADD COLUMN target_name  TEXT,
    ADD COLUMN workspace_id TEXT;

ALTER TABLE audit_log DROP CONSTRAINT audit_log_outcome_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_outcome_check CHECK (outcome IN (
    'pending', 'issued', 'denied_role', 'denied_channel', 'denied_workspace', 'invalid_input',
    'rate_limited', 'upstream_error', 'internal_error',
    'pending_approval', 'denied_approval', 'approval_expired'));

-- What the look-up found when the request was made: the card shows the name, and approving or
-- claiming re-checks the workspace against the rule in force then.
ALTER TABLE approvals
    ADD COLUMN target_name  TEXT,
    ADD COLUMN workspace_id TEXT;

-- The workspaces a guild's admins allow (`/share-admin workspaces add|remove`), within the
-- operator's `aliyun.workspaces`; none listed = the operator's rule alone.
CREATE TABLE guild_allowed_workspaces (
    guild_id     TEXT        NOT NULL CHECK (guild_id ~ '^[0-9]{1,20}$'),
    workspace_id TEXT        NOT NULL CHECK (workspace_id ~ '^[A-Za-z0-9_-]{1,64}$'),
    added_by     TEXT        NOT NULL,
    added_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (guild_id, workspace_id)
);

ALTER TABLE admin_changes DROP CONSTRAINT admin_changes_action_check;
ALTER TABLE admin_changes ADD CONSTRAINT admin_changes_action_check CHECK (action IN (
    'role_add', 'role_remove', 'role_seed', 'role_cap', 'policy_set', 'policy_clear',
    'channel_add', 'channel_remove', 'workspace_add', 'workspace_remove'));
