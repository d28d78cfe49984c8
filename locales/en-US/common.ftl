## Words shared by every reply. Durations are written as members type them in English
## (`1h30m`); other languages write them out.

duration-days = { $n }d
duration-hours = { $n }h
duration-minutes = { $n }m
duration-seconds = { $n }s
# Between the parts of one duration: nothing in English (`1h30m`).
duration-joiner = {""}
# Between two sentences of one reply.
sentence-joiner = {" "}
# Between the items of a list of channels or roles.
list-joiner = {", "}
list-more = and { $count } more

target-job = DLC job
target-tensorboard = TensorBoard

# Outcomes as the audit log records them; English keeps the stored code.
outcome-issued = issued
outcome-denied_role = denied_role
outcome-denied_channel = denied_channel
outcome-denied_workspace = denied_workspace
outcome-invalid_input = invalid_input
outcome-rate_limited = rate_limited
outcome-upstream_error = upstream_error
outcome-internal_error = internal_error
outcome-pending_approval = pending_approval
outcome-denied_approval = denied_approval
outcome-approval_expired = approval_expired

# Discord's own timestamps render in the reader's language and time zone.
timestamps = { $absolute } ({ $relative })

# What the member gave as the reason, on its own line (approval cards, audit posts).
reason-line = Reason: { $reason }

guild-not-enabled = This bot does not share links in this server. Nothing was shared.
busy = The bot is busy right now and did not share anything; please try again in a few seconds.
restarting = The bot is restarting and not taking requests; please try again in a moment.
only-in-servers = These commands only work inside a server.
unknown-command = This command is not known to this version of the bot.
unknown-button = This button is not known to this version of the bot.
storage-unavailable-nothing-changed = The bot cannot reach its database right now; nothing changed. Please try again shortly.

# Autocomplete: what the member typed, and what it means.
suggestion-typed = { $typed } ({ $duration })

# One recorded attempt: who and what ($what), then the expiry, outcome and error code.
attempt = { $what } → **{ $outcome }**
attempt-expiry = { $what } for { $expiry } → **{ $outcome }**
attempt-code = { $what } → **{ $outcome }** ({ $code })
attempt-expiry-code = { $what } for { $expiry } → **{ $outcome }** ({ $code })
