## Slash-command descriptions shown in Discord's command picker (SPEC §3, §12). Discord allows
## at most 100 characters each; command and option names stay as SPEC §3 gives them.

cmd-share = Share a PAI-DLC job or TensorBoard with a time-limited link
cmd-share-job = Share a DLC training job
cmd-share-tensorboard = Share a TensorBoard
opt-id-job = DLC job id, e.g. dlc1a2b3c4d5e6f
opt-id-tensorboard = TensorBoard id, e.g. dlc1a2b3c4d5e6f
opt-expiry = How long the link works: 90s, 30m, 12h, 7d, 1h30m, 1小时30分 (default: the guild's)
opt-reason = Why you share it (kept in the audit log)

cmd-admin = Manage who may share, where, and for how long
grp-roles = Allowed roles
cmd-roles-add = Allow a role to share, or change its cap
cmd-roles-remove = Stop allowing a role
cmd-roles-list = List the allowed roles and their caps
opt-role = The role
opt-role-max-expiry = The longest expiry this role may ask for (default: the server's maximum)
grp-channels = Channels where /share works
cmd-channels-add = Let /share work in a channel (then only in listed ones)
cmd-channels-remove = Unlist a channel
cmd-channels-list = List the channels where /share works
opt-channel = The channel
grp-policy = Share policy
cmd-policy-show = Show every setting of this server
cmd-policy-set = Change one or more settings
opt-default-expiry = Used when /share has no expiry
opt-max-expiry = The longest expiry members may ask for
opt-require-reason = Whether /share needs a reason
opt-audit-channel = Where the bot posts one line per /share attempt
opt-approvals-channel = Where requests above a member's cap go for approval
opt-approver-role = Who may approve, besides server admins
cmd-policy-clear = Reset one setting to the bot's default
opt-setting = The setting to reset
cmd-audit = Recent share attempts
opt-audit-user = Only this member
opt-audit-limit = How many rows (1–25)
cmd-explain = Dry run: could this member share here, for how long, and why
opt-explain-user = The member
opt-explain-expiry = An expiry to check
opt-explain-channel = Where (default: this channel)

## The choices of `policy clear setting`: in English, the setting's own name.
setting-default_expiry = default_expiry
setting-max_expiry = max_expiry
setting-require_reason = require_reason
setting-audit_channel = audit_channel
setting-approvals_channel = approvals_channel
setting-approver_role = approver_role
