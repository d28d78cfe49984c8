## `/share-admin` replies. `$role` and `$channel` are mentions, which ping nobody.

not-admin = Only server admins (Manage Server or Administrator, or a configured admin role) can use `/share-admin`.
role-with-name = { $role } ({ $name })

role-limit-own = for up to **{ $cap }**
role-limit-own-above-max = for up to **{ $cap }** (its own cap of { $own } is above the server's maximum)
role-limit-server-max = for up to the server's maximum, now **{ $cap }**
role-added = { $role } may now share links with `/share`, { $limit }.
role-cap-changed = { $role } was allowed already; its cap changed from { $before }: it may now share { $limit }.
role-cap-before-server-max = the server's maximum
role-unchanged = { $role } was already allowed { $limit }; nothing changed.
role-removed = { $role } may no longer share links.
role-not-listed = { $role } was not on the allowlist; nothing changed.
roles-none-left = No role is allowed now, so nobody can share until one is added.
roles-empty = No role may share yet. Add one with `/share-admin roles add`.
roles-heading = Roles allowed to share, with the longest expiry each may ask for:
roles-line = • { $role }: **{ $cap }**
roles-line-limited = • { $role }: **{ $cap }** (own cap { $own }, limited by the server's maximum)
roles-line-server-max = • { $role }: **{ $cap }** (the server's maximum)

channel-added = { $channel } is listed: `/share` now works only in the listed channels (and their threads).
channel-already-listed = { $channel } was listed already; nothing changed.
channel-removed = { $channel } is no longer listed.
channel-not-listed = { $channel } was not listed; nothing changed.
channels-none-left = No channel is listed now, so `/share` works in every channel.
channels-empty = No channel is listed: `/share` works in every channel. Restrict it with `/share-admin channels add`.
channels-list = `/share` works only in: { $channels } (threads count as their channel).
workspace-added = Workspace { $workspace } is listed: links here are now shared only for jobs and TensorBoards in the listed workspaces.
workspace-already-listed = Workspace { $workspace } was listed already; nothing changed.
workspace-removed = Workspace { $workspace } is no longer listed.
workspace-not-listed = Workspace { $workspace } was not listed; nothing changed.
workspaces-none-left = No workspace is listed now, so only the bot's own workspace rule applies.
workspaces-empty = No workspace is listed in this server. Restrict sharing with `/share-admin workspaces add`.
workspaces-list = This server lists: { $workspaces }.
workspaces-rule-any = In force: any workspace.
workspaces-rule-only = In force (with the bot's own rule): only { $workspaces }.
workspaces-rule-none = In force: no workspace at all — this server's list and the bot's do not meet, so nothing can be shared until an admin changes the list.
workspaces-rule-unchecked = In force: no workspace at all — the bot's operator turned the look-up off, so no target's workspace can be checked, and nothing can be shared while workspaces are listed. Remove them with `/share-admin workspaces remove`, or ask the operator to turn the look-up on.

policy-heading = This server's settings:
policy-updated-heading = Settings updated:
policy-cleared-heading = `{ $setting }` is back to the bot's default:
policy-line = • `{ $setting }`: **{ $value }** ({ $source })
policy-line-plain = • `{ $setting }`: { $value }
policy-workspaces-any = • Workspaces: any (every job or TensorBoard is looked up before it is shared)
policy-workspaces-only = • Workspaces: only { $workspaces } (this server's list and the bot's own rule together)
policy-lookup-off = • Workspaces: any; targets are not looked up before sharing (the bot's operator turned it off)
policy-workspaces-unchecked = • Workspaces: none — workspaces are listed, but the bot's operator turned the look-up off, so no target's workspace can be checked and nothing is shared (`/share-admin workspaces remove` lifts this server's list)
policy-source-here = set here
policy-source-default = the bot's default
policy-source-default-lowered = the bot's default of { $configured }, lowered to the maximum
policy-yes = yes
policy-no = no
policy-none = none
policy-approvals-none = none (requests above a member's cap are refused)
policy-approver-none = none (server admins approve)
policy-approver-role = { $role } and server admins
policy-defaults = The bot's defaults: default expiry { $default }, maximum { $max }. Roles and channels: `/share-admin roles list`, `/share-admin channels list`.

refused = Nothing was changed: { $why }.
refusal-nothing-to-set = give at least one setting: `default_expiry`, `max_expiry`, `require_reason`, `audit_channel`, `approvals_channel` or `approver_role`
refusal-expiry = `{ $option }`: { $error }
refusal-default-above-max = the default expiry ({ $default }) is longer than the maximum ({ $max })
refusal-unknown-setting = { $setting } is not a setting; choose one of default_expiry, max_expiry, require_reason, audit_channel, approvals_channel, approver_role
refusal-not-a-member = that user is not a member of this server
refusal-target-id = { $id } is not a job or TensorBoard id: { $error }
refusal-workspace-id = { $workspace } is not a workspace id (letters, digits, `-` and `_`, up to 64)
refusal-workspace-outside = workspace { $workspace } is outside the workspaces the bot may share from: { $workspaces }
refusal-lookup-off = the bot does not look targets up (its operator turned it off), so a workspace rule could never be checked
storage-unavailable = The bot cannot reach its database right now; nothing was changed. Please try again shortly.

audit-empty = No share attempts recorded yet.
audit-heading =
    { $count ->
        [one] The last share attempt:
       *[other] Last { $count } share attempts, newest first:
    }
audit-line-what = • { $when } { $user } { $target } { $id }
audit-line-workspace = in workspace { $workspace }

## `/share-admin explain`: a dry run, one line per rule.
explain-here = here
explain-in = in { $channel }
explain-would-share = ✅ { $user } could share { $place } right now.
explain-needs-approval = ⏳ { $user } could ask { $place }; it would need approval.
explain-would-not = ⛔ { $user } could not share { $place } right now.
explain-channel-anywhere = Channel: no channel is listed, so every channel works.
explain-channel-listed = Channel: allowed (it, or the thread's parent, is listed).
explain-channel-not-allowed = Channel: not allowed; `/share` works only in { $channels }.
explain-roles-empty = Roles: no role is allowed in this server yet.
explain-role-cap = { $role } (up to { $cap })
explain-roles = Roles: allowed through { $roles }. Their cap: **{ $cap }**; their default: **{ $default }**.
explain-roles-none = Roles: none of their roles is allowed.
explain-server-reason-required = Server: default { $default }, maximum { $max }; a reason is required.
explain-server-reason-optional = Server: default { $default }, maximum { $max }; a reason is optional.
explain-expiry-granted = Expiry { $expiry }: would be granted.
explain-expiry-no-role = Expiry { $expiry }: within the server's bounds, but their roles do not allow sharing.
explain-expiry-above-cap = Expiry: would be refused, above their cap of { $cap }.
explain-expiry-invalid = Expiry: would be refused: { $error }.
explain-default = Without an expiry they would get { $expiry }.
explain-first-refusal = First refusal: { $code }.
explain-rate-limit =
    { $requests ->
        [one] Rate limit: 1 more request right now ({ $user } of their own, { $guild } for the server).
       *[other] Rate limit: { $requests } more requests right now ({ $user } of their own, { $guild } for the server).
    }
explain-rate-limit-unknown = Rate limit: cannot be read right now (a /share would be refused until it can).
explain-target-job = job
explain-target-tensorboard = TensorBoard
explain-target-found = the { $kind } **{ $name }** ({ $status }, workspace { $workspace })
explain-target-shared = Target { $id }: { $found }; it would be shared.
explain-target-not-looked-up = Target { $id }: not looked up (the bot's operator turned the look-up off); no workspace rule applies, so nothing about it stops a share.
explain-target-lookup-failed-shared = Target { $id }: the look-up failed right now ({ $code }); with no workspace rule it would be shared without its details.
explain-target-not-found = Target { $id }: no job or TensorBoard has this id in the bot's account and region; it would be refused.
explain-target-outside = Target { $id }: a { $kind } in workspace { $workspace }, outside the workspaces allowed here ({ $workspaces }); it would be refused, and its name is not shown.
explain-target-unchecked = Target { $id }: a workspace rule applies but the bot does not look targets up, so it would be refused.
explain-target-lookup-failed-refused = Target { $id }: the look-up failed right now ({ $code }) and a workspace rule applies, so it would be refused.

## Slash-command descriptions shown in Discord's command picker. Discord allows at most 100
## characters each; command and option names are not translated.

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
grp-workspaces = Workspaces whose jobs can be shared
cmd-workspaces-add = Share only jobs in listed workspaces (within the bot's own)
cmd-workspaces-remove = Unlist a workspace
cmd-workspaces-list = List the workspaces and the rule in force
opt-workspace = The PAI workspace id
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
opt-explain-id = A job or TensorBoard id: would it be shared?

## The choices of `policy clear setting`: in English, the setting's own name.
setting-default_expiry = default_expiry
setting-max_expiry = max_expiry
setting-require_reason = require_reason
setting-audit_channel = audit_channel
setting-approvals_channel = approvals_channel
setting-approver_role = approver_role
