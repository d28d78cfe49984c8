## `/share` replies. Every refusal ends by saying nothing was shared.


invalid-id-title = That id is not valid
invalid-id = { $error }. Ids are 1–128 characters of letters, digits, `_`, `.` and `-`, e.g. `dlc1a2b3c4d5e6f`. Nothing was shared.
invalid-expiry-title = That expiry is not valid
invalid-expiry = { $error }. Use a duration such as `90s`, `30m`, `12h`, `7d` or `1h30m` (at least 1 minute), or leave it out for the server's default. Nothing was shared.
invalid-reason-title = That reason is not valid
invalid-reason = { $error }. Give a reason of 1–{ $max } characters, or leave it out. Nothing was shared.
reason-required-title = A reason is required
reason-required = This server asks for a reason with every share. Run the command again with `reason:` (for example `reason: debugging the loss spike`). Nothing was shared.
above-role-cap-title = That expiry is longer than your roles allow
above-role-cap = Your roles let you share for at most **{ $cap }**. Ask for { $cap } or less, or leave the expiry out. Nothing was shared.
channel-not-allowed-title = Not in this channel
channel-not-allowed = In this server, `/share` works only in { $channels }. Nothing was shared.
guild-not-enabled-title = Not available in this server
empty-allowlist-title = Sharing is not set up in this server
empty-allowlist = No role is allowed to share links yet. An admin must run `/share-admin roles add` first. Nothing was shared.
missing-role-title = You cannot share links here
missing-role = None of your roles is allowed to share. Ask a server admin to allow one of your roles with `/share-admin roles add`. Nothing was shared.
target-not-found-title = No such job or TensorBoard
target-not-found = There is no job or TensorBoard with that id in this bot's Alibaba Cloud account and region. Check the id and the region. Nothing was shared.
workspace-not-allowed-title = Not from that workspace
workspace-not-allowed = In this server, links can be shared only for jobs and TensorBoards in the workspaces { $workspaces }. Nothing was shared.
workspace-none-allowed = In this server, no job or TensorBoard can be shared right now: its workspace rule leaves no workspace the bot can check. Nothing was shared. An admin can see why with `/share-admin policy show`.

upstream-title = Could not create the link
upstream-rejected = Alibaba Cloud refused the request. Check that the id exists in this region and that you typed it correctly.
upstream-unauthorized = Alibaba Cloud refused the bot's credentials or permissions. Please tell a server admin; retrying will not help.
upstream-throttled = Alibaba Cloud is throttling requests right now. Please try again in a minute.
upstream-unavailable = Alibaba Cloud could not be reached or did not answer in time. Please try again shortly.
upstream-bad-response = Alibaba Cloud sent an answer the bot could not read. Please try again shortly.
upstream-support-request = Error { $code }, RequestId { $request_id } (for support).
upstream-support = Error { $code }.

audit-unavailable-title = Cannot record requests right now
audit-unavailable = The bot cannot write to its audit log at the moment, so no link was created. Please try again in a few minutes.
audit-incomplete = The bot could not finish recording this request in its audit log, so it will not show the link. Please try again in a few minutes.
replayed = This request was already handled; no second link was created.

issued-content = Here is your share link. Only you can see this message.
issued-title = { $target } { $id } shared
issued-open = [Open the { $target }]({ $link })
issued-field-target = Target
issued-field-valid-for = Valid for
issued-field-expires = Expires
issued-field-request-id = RequestId
issued-field-name = Name
issued-field-status = Status
issued-field-workspace = Workspace
issued-button = Open { $target }

rate-limited-title = Slow down
rate-limited-user = You are sharing links faster than allowed. Try again { $at } (in { $wait }). Nothing was shared.
rate-limited-guild = This server is sharing links faster than allowed. Try again { $at } (in { $wait }). Nothing was shared.

internal-error-title = Something went wrong
internal-error = The bot hit an internal error and nothing was shared. Please try again; if it keeps happening, tell a server admin.

## What was wrong with the input, as the start of a refusal.
error-id-empty = the id is empty
error-id-too-long = the id is { $length } characters long; at most { $max } are allowed
error-id-invalid-char = the id contains { $char }; only letters, digits, `_`, `.` and `-` are allowed
error-id-no-letter-or-digit = the id has no letter or digit
error-duration-empty = the duration is empty
error-duration-malformed = { $input } is not a duration: { $reason } (examples: 90s, 30m, 12h, 7d, 1w, 1h30m, 3600)
error-duration-expected-number = expected a number
error-duration-needs-unit = a number needs a unit
error-duration-unknown-unit = units are s, m, h, d, w (or 秒, 分, 小时, 天, 周)
error-duration-unit-order = units must go from largest to smallest, each once
error-duration-overflow = { $input } is too large
error-expiry-too-short = { $requested } is too short: the minimum is { $min }
error-expiry-too-long = { $requested } is too long: the maximum here is { $max }
error-reason-empty = the reason is empty
error-reason-too-long = the reason is { $length } characters long; the most is { $max }

## Slash-command descriptions shown in Discord's command picker. Discord allows at most 100
## characters each; command and option names are not translated.

cmd-share = Share a PAI-DLC job or TensorBoard with a time-limited link
cmd-share-job = Share a DLC training job
cmd-share-tensorboard = Share a TensorBoard
opt-id-job = DLC job id, e.g. dlc1a2b3c4d5e6f
opt-id-tensorboard = TensorBoard id, e.g. dlc1a2b3c4d5e6f
opt-expiry = How long the link works: 90s, 30m, 12h, 7d, 1h30m, 1小时30分 (default: the guild's)
opt-reason = Why you share it (kept in the audit log)
