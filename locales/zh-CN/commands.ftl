## Discord 命令选择器中显示的斜杠命令说明（SPEC §3、§12）。每条最多 100 个字符；
## 命令名和选项名保持 SPEC §3 的写法。

cmd-share = 通过限时链接分享 PAI-DLC 任务或 TensorBoard
cmd-share-job = 分享 DLC 训练任务
cmd-share-tensorboard = 分享 TensorBoard
opt-id-job = DLC 任务 ID，例如 dlc1a2b3c4d5e6f
opt-id-tensorboard = TensorBoard ID，例如 dlc1a2b3c4d5e6f
opt-expiry = 链接有效时长：90s、30m、12h、7d、1h30m、1小时30分（默认：服务器的默认有效期）
opt-reason = 分享理由（将记入审计日志）

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

## `policy clear setting` 的选项：设置的名称。
setting-default_expiry = 默认有效期
setting-max_expiry = 最长有效期
setting-require_reason = 理由必填
setting-audit_channel = 审计频道
setting-approvals_channel = 审批频道
setting-approver_role = 审批身份组
