## `/share-admin` 的回复。`$role` 和 `$channel` 是不会通知任何人的提及。

not-admin = 只有服务器管理员（拥有“管理服务器”或“管理员”权限，或拥有已配置的管理员身份组）才能使用 `/share-admin`。
role-with-name = { $role }（{ $name }）

# 以下三条接在“可分享的”或句中逗号之后。
role-limit-own = 有效期最长 **{ $cap }**
role-limit-own-above-max = 有效期最长 **{ $cap }**（其自身上限 { $own } 超出了服务器的最长有效期）
role-limit-server-max = 有效期最长为服务器的最长有效期，目前为 **{ $cap }**
role-added = { $role } 现在可以使用 `/share` 分享链接，{ $limit }。
role-cap-changed = { $role } 此前已获允许；其上限原为 { $before }，现在可分享的{ $limit }。
role-cap-before-server-max = 服务器的最长有效期
role-unchanged = { $role } 此前已获允许，{ $limit }；未做任何更改。
role-removed = { $role } 已不能再分享链接。
role-not-listed = { $role } 不在允许列表中；未做任何更改。
roles-none-left = 现在没有任何身份组获准分享，在添加身份组之前，任何人都无法分享。
roles-empty = 目前还没有任何身份组可以分享。请使用 `/share-admin roles add` 添加。
roles-heading = 允许分享的身份组，以及各自可申请的最长有效期：
roles-line = • { $role }：**{ $cap }**
roles-line-limited = • { $role }：**{ $cap }**（自身上限为 { $own }，受服务器的最长有效期限制）
roles-line-server-max = • { $role }：**{ $cap }**（服务器的最长有效期）

channel-added = { $channel } 已加入列表：`/share` 现在只能在已列出的频道（及其子区）中使用。
channel-already-listed = { $channel } 已在列表中；未做任何更改。
channel-removed = { $channel } 已移出列表。
channel-not-listed = { $channel } 不在列表中；未做任何更改。
channels-none-left = 现在列表中没有任何频道，因此 `/share` 可在所有频道中使用。
channels-empty = 列表中没有任何频道：`/share` 可在所有频道中使用。可使用 `/share-admin channels add` 加以限制。
channels-list = `/share` 只能在以下频道中使用：{ $channels }（子区视同其所属频道）。
workspace-added = 工作空间 { $workspace } 已加入列表：此处现在只能分享已列出工作空间中的任务和 TensorBoard。
workspace-already-listed = 工作空间 { $workspace } 已在列表中；未做任何更改。
workspace-removed = 工作空间 { $workspace } 已从列表中移除。
workspace-not-listed = 工作空间 { $workspace } 不在列表中；未做任何更改。
workspaces-none-left = 现在没有列出任何工作空间，仅适用机器人自身的工作空间规则。
workspaces-empty = 本服务器未列出任何工作空间。可用 `/share-admin workspaces add` 限制分享范围。
workspaces-list = 本服务器列出的工作空间：{ $workspaces }。
workspaces-rule-any = 当前生效：任意工作空间。
workspaces-rule-only = 当前生效（结合机器人自身的规则）：仅限 { $workspaces }。
workspaces-rule-none = 当前生效：没有任何工作空间——本服务器的列表与机器人的列表没有交集，在管理员修改列表之前无法分享任何内容。
workspaces-rule-unchecked = 当前生效：没有任何工作空间——机器人运营者已关闭查询，无法核对目标所在的工作空间，因此在列出工作空间期间无法分享任何内容。请用 `/share-admin workspaces remove` 移除它们，或请运营者开启查询。

policy-heading = 本服务器的设置：
policy-updated-heading = 设置已更新：
policy-cleared-heading = `{ $setting }` 已恢复为机器人的默认值：
policy-line = • `{ $setting }`：**{ $value }**（{ $source }）
policy-line-plain = • `{ $setting }`：{ $value }
policy-workspaces-any = • 工作空间：任意（分享前会先查询每个任务或 TensorBoard）
policy-workspaces-only = • 工作空间：仅限 { $workspaces }（结合本服务器的列表与机器人自身的规则）
policy-lookup-off = • 工作空间：任意；分享前不查询目标（机器人运营者已关闭此功能）
policy-workspaces-unchecked = • 工作空间：无——已列出工作空间，但机器人运营者已关闭查询，无法核对目标所在的工作空间，因此不会分享任何内容（用 `/share-admin workspaces remove` 可解除本服务器的列表）
policy-source-here = 本服务器设置
policy-source-default = 机器人的默认值
policy-source-default-lowered = 机器人的默认值为 { $configured }，已降至最长有效期
policy-yes = 是
policy-no = 否
policy-none = 无
policy-approvals-none = 无（超出成员有效期上限的请求将被拒绝）
policy-approver-none = 无（由服务器管理员审批）
policy-approver-role = { $role } 和服务器管理员
policy-defaults = 机器人的默认值：默认有效期 { $default }，最长有效期 { $max }。身份组和频道：`/share-admin roles list`、`/share-admin channels list`。

refused = 未做任何更改：{ $why }。
refusal-nothing-to-set = 请至少提供一项设置：`default_expiry`、`max_expiry`、`require_reason`、`audit_channel`、`approvals_channel` 或 `approver_role`
refusal-expiry = `{ $option }`：{ $error }
refusal-default-above-max = 默认有效期（{ $default }）超过了最长有效期（{ $max }）
refusal-unknown-setting = { $setting } 不是有效的设置；请从 default_expiry、max_expiry、require_reason、audit_channel、approvals_channel、approver_role 中选择一项
refusal-not-a-member = 该用户不是本服务器的成员
refusal-target-id = { $id } 不是任务或 TensorBoard 的 ID：{ $error }
refusal-workspace-id = { $workspace } 不是工作空间 ID（字母、数字、`-` 和 `_`，最多 64 个字符）
refusal-workspace-outside = 工作空间 { $workspace } 不在机器人可分享的工作空间之内：{ $workspaces }
refusal-lookup-off = 机器人不查询目标（运营者已关闭此功能），因此无法执行工作空间规则
storage-unavailable = 机器人暂时无法连接数据库；未做任何更改。请稍后重试。

audit-empty = 尚无分享尝试记录。
audit-heading = 最近 { $count } 次分享尝试（最新的在前）：
audit-line-what = • { $when } { $user } { $target } { $id }
audit-line-workspace = （工作空间 { $workspace }）

## `/share-admin explain`：模拟检查，每条规则一行。
explain-here = 在此处
explain-in = 在 { $channel } 中
explain-would-share = ✅ { $user } 现在可以{ $place }分享。
explain-needs-approval = ⏳ { $user } 可以{ $place }提出请求，但需要审批。
explain-would-not = ⛔ { $user } 现在无法{ $place }分享。
explain-channel-anywhere = 频道：列表中没有任何频道，因此所有频道均可使用。
explain-channel-listed = 频道：允许（该频道或该子区的所属频道已在列表中）。
explain-channel-not-allowed = 频道：不允许；`/share` 只能在 { $channels } 中使用。
explain-roles-empty = 身份组：本服务器尚未允许任何身份组。
explain-role-cap = { $role }（最长 { $cap }）
explain-roles = 身份组：通过 { $roles } 获准。该成员的上限：**{ $cap }**；默认有效期：**{ $default }**。
explain-roles-none = 身份组：该成员的身份组均未获准。
explain-server-reason-required = 服务器：默认有效期 { $default }，最长有效期 { $max }；必须填写理由。
explain-server-reason-optional = 服务器：默认有效期 { $default }，最长有效期 { $max }；理由可选填。
explain-expiry-granted = 有效期 { $expiry }：将被允许。
explain-expiry-no-role = 有效期 { $expiry }：在服务器允许的范围内，但该成员的身份组不允许分享。
explain-expiry-above-cap = 有效期：将被拒绝，超出了该成员的上限 { $cap }。
explain-expiry-invalid = 有效期：将被拒绝：{ $error }。
explain-default = 如果不指定有效期，该成员将获得 { $expiry }。
explain-first-refusal = 首个拒绝原因：{ $code }。
explain-rate-limit = 频率限制：目前还可发送 { $requests } 个请求（本人剩余 { $user } 个，服务器剩余 { $guild } 个）。
explain-rate-limit-unknown = 频率限制：暂时无法读取（恢复读取之前，/share 会被拒绝）。
explain-target-job = 任务
explain-target-tensorboard = TensorBoard
explain-target-found = { $kind } **{ $name }**（{ $status }，工作空间 { $workspace }）
explain-target-shared = 目标 { $id }：{ $found }；会被分享。
explain-target-not-looked-up = 目标 { $id }：不会查询（机器人的运维者关闭了查询）；没有工作空间规则，目标本身不会阻止分享。
explain-target-lookup-failed-shared = 目标 { $id }：当前查询失败（{ $code }）；没有工作空间规则，会不带详情地分享。
explain-target-not-found = 目标 { $id }：机器人的账号和地域中没有此 ID 的任务或 TensorBoard；会被拒绝。
explain-target-outside = 目标 { $id }：工作空间 { $workspace } 中的{ $kind }，不在此处允许的工作空间（{ $workspaces }）之内；会被拒绝，也不显示其名称。
explain-target-unchecked = 目标 { $id }：有工作空间规则，但机器人不查询目标，所以会被拒绝。
explain-target-lookup-failed-refused = 目标 { $id }：当前查询失败（{ $code }）且有工作空间规则，所以会被拒绝。

## Discord 命令选择器中显示的斜杠命令说明。每条最多 100 个字符；
## 命令名和选项名不翻译。

cmd-admin = 管理谁可以分享、在哪里分享以及有效期多长
grp-roles = 允许的身份组
cmd-roles-add = 允许某个身份组分享，或更改其有效期上限
cmd-roles-remove = 不再允许某个身份组分享
cmd-roles-list = 列出允许的身份组及其有效期上限
opt-role = 身份组
opt-role-max-expiry = 此身份组可申请的最长有效期（默认：服务器的最长有效期）
grp-channels = 可使用 /share 的频道
cmd-channels-add = 允许在某个频道使用 /share（此后仅限已列出的频道）
cmd-channels-remove = 将某个频道移出列表
cmd-channels-list = 列出可使用 /share 的频道
opt-channel = 频道
grp-workspaces = 可分享其任务的工作空间
cmd-workspaces-add = 仅分享已列出工作空间中的任务（在机器人自身的范围内）
cmd-workspaces-remove = 从列表中移除一个工作空间
cmd-workspaces-list = 列出工作空间及当前生效的规则
opt-workspace = PAI 工作空间 ID
grp-policy = 分享策略
cmd-policy-show = 显示本服务器的全部设置
cmd-policy-set = 更改一项或多项设置
opt-default-expiry = /share 未指定有效期时使用
opt-max-expiry = 成员可申请的最长有效期
opt-require-reason = /share 是否必须填写理由
opt-audit-channel = 机器人为每次 /share 尝试发布一行记录的频道
opt-approvals-channel = 超出成员有效期上限的请求提交审批的频道
opt-approver-role = 除服务器管理员外，还有谁可以审批
cmd-policy-clear = 将一项设置恢复为机器人的默认值
opt-setting = 要重置的设置
cmd-audit = 最近的分享尝试
opt-audit-user = 仅显示此成员
opt-audit-limit = 显示多少行（1–25）
cmd-explain = 模拟检查：此成员能否在此分享、有效期多长，以及原因
opt-explain-user = 成员
opt-explain-expiry = 要检查的有效期
opt-explain-channel = 频道（默认：当前频道）
opt-explain-id = 任务或 TensorBoard 的 ID：是否会被分享

## `policy clear setting` 的选项：设置的名称。
setting-default_expiry = 默认有效期
setting-max_expiry = 最长有效期
setting-require_reason = 理由必填
setting-audit_channel = 审计频道
setting-approvals_channel = 审批频道
setting-approver_role = 审批身份组
