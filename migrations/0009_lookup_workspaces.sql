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
