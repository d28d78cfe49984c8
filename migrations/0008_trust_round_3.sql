-- Trust, round 3.

-- Every interaction is acted on at most once, across replicas: a command, an admin command or
-- a button click delivered twice (or a signed HTTP delivery replayed) finds its id here.
-- Pruned after a day by the retention job.
CREATE TABLE interactions_seen (
    interaction_id TEXT        PRIMARY KEY,
    seen_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX interactions_seen_at_idx ON interactions_seen (seen_at);

-- An approval that no longer passes the guild's rules when it is approved or claimed ends as
-- `refused` (its audit row says why).
ALTER TABLE approvals DROP CONSTRAINT approvals_status_check;
ALTER TABLE approvals ADD CONSTRAINT approvals_status_check
    CHECK (status IN ('pending', 'approved', 'denied', 'expired', 'claimed', 'refused'));

-- A requester's interaction token is kept only while Discord honours it (15 minutes).
UPDATE approvals SET requester_token = NULL
    WHERE requester_token IS NOT NULL AND created_at <= now() - interval '15 minutes';
