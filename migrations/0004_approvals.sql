-- dlc-share-bot schema v4: approvals (SPEC §10). A /share above the member's cap waits in
-- `approvals` for a second person; the database decides every race: each transition is one
-- compare-and-set UPDATE, so two approvers, a double click or a click on another replica end
-- in one decision and at most one token.

ALTER TABLE guild_policies
    ADD COLUMN approvals_channel_id TEXT CHECK (approvals_channel_id ~ '^[0-9]{1,20}$'),
    ADD COLUMN approver_role_id TEXT CHECK (approver_role_id ~ '^[0-9]{1,20}$');

ALTER TABLE audit_log DROP CONSTRAINT audit_log_outcome_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_outcome_check CHECK (outcome IN (
    'pending', 'issued', 'denied_role', 'denied_channel', 'invalid_input',
    'rate_limited', 'upstream_error', 'internal_error',
    'pending_approval', 'denied_approval', 'approval_expired'));

CREATE TABLE approvals (
    -- In the buttons' custom_id (`share-approve:<id>`); the clicker is authorised by the bot,
    -- so the id needs no secrecy.
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The share's audit row, which carries the outcome; pruned with it.
    interaction_id    TEXT        NOT NULL UNIQUE
        REFERENCES audit_log (interaction_id) ON DELETE CASCADE,
    guild_id          TEXT        NOT NULL CHECK (guild_id ~ '^[0-9]{1,20}$'),
    requester_id      TEXT        NOT NULL CHECK (requester_id ~ '^[0-9]{1,20}$'),
    target_type       TEXT        NOT NULL CHECK (target_type IN ('job', 'tensorboard')),
    target_id         TEXT        NOT NULL,
    expire_seconds    INTEGER     NOT NULL CHECK (expire_seconds BETWEEN 60 AND 604800),
    reason            TEXT,
    status            TEXT        NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'approved', 'denied', 'expired', 'claimed')),
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Pending: created_at + share.approval_timeout; approved: decided_at + the same.
    expires_at        TIMESTAMPTZ NOT NULL,
    decided_by        TEXT,
    decided_at        TIMESTAMPTZ,
    claimed_at        TIMESTAMPTZ,
    -- The card in the approvals channel, once posted.
    card_channel_id   TEXT,
    card_message_id   TEXT,
    -- The requester's interaction token, so the decision can edit their ephemeral reply
    -- from any replica. Discord honours it for 15 minutes; it can only answer that one
    -- interaction. Cleared once the decision is told, never exported or logged.
    requester_token   TEXT,
    CONSTRAINT approvals_decided_check
        CHECK ((status IN ('pending', 'expired')) OR decided_by IS NOT NULL)
);

-- The sweeper looks for open approvals past their time.
CREATE INDEX approvals_open_idx ON approvals (expires_at) WHERE status IN ('pending', 'approved');

-- Every click and every decision on an approval: who, what, and what came of it.
CREATE TABLE approval_events (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    approval_id BIGINT      NOT NULL REFERENCES approvals (id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor_id    TEXT        NOT NULL,
    actor_name  TEXT        NOT NULL,
    action      TEXT        NOT NULL CHECK (action IN ('approve', 'deny', 'claim', 'expire')),
    result      TEXT        NOT NULL
);

CREATE INDEX approval_events_approval_idx ON approval_events (approval_id, id);
