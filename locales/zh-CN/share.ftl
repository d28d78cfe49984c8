## `/share` 的回复。每条拒绝消息都以“未分享任何内容”结尾。


invalid-id-title = ID 无效
invalid-id = { $error }。ID 须为 1–128 个字符，只能包含字母、数字、`_`、`.` 和 `-`，例如 `dlc1a2b3c4d5e6f`。未分享任何内容。
invalid-expiry-title = 有效期无效
invalid-expiry = { $error }。请使用 `90s`、`30m`、`12h`、`7d` 或 `1h30m` 这样的时长（至少 1 分钟），或留空以使用服务器的默认有效期。未分享任何内容。
invalid-reason-title = 理由无效
invalid-reason = { $error }。请填写 1–{ $max } 个字符的理由，或留空。未分享任何内容。
reason-required-title = 需要填写理由
reason-required = 本服务器要求每次分享都填写理由。请加上 `reason:` 重新运行该命令（例如 `reason: debugging the loss spike`）。未分享任何内容。
above-role-cap-title = 该有效期超出了您的身份组允许的范围
above-role-cap = 您的身份组允许的分享有效期最长为 **{ $cap }**。请申请不超过 { $cap } 的有效期，或不填写有效期。未分享任何内容。
channel-not-allowed-title = 不能在此频道中使用
channel-not-allowed = 在本服务器中，`/share` 只能在 { $channels } 中使用。未分享任何内容。
guild-not-enabled-title = 本服务器未启用此功能
empty-allowlist-title = 本服务器尚未设置分享
empty-allowlist = 目前还没有任何身份组获准分享链接。服务器管理员需要先运行 `/share-admin roles add`。未分享任何内容。
missing-role-title = 您无法在此分享链接
missing-role = 您的身份组均未获准分享。请联系服务器管理员，使用 `/share-admin roles add` 允许您的某个身份组。未分享任何内容。
target-not-found-title = 没有这个任务或 TensorBoard
target-not-found = 在本机器人的阿里云账号和地域中，没有使用该 ID 的任务或 TensorBoard。请检查 ID 和地域。未分享任何内容。
workspace-not-allowed-title = 不能分享该工作空间中的内容
workspace-not-allowed = 在本服务器中，只能分享以下工作空间中的任务和 TensorBoard：{ $workspaces }。未分享任何内容。
workspace-none-allowed = 本服务器目前无法分享任何任务或 TensorBoard：其工作空间规则没有留下机器人能够核对的工作空间。未分享任何内容。管理员可以用 `/share-admin policy show` 查看原因。

upstream-title = 无法创建链接
upstream-rejected = 阿里云拒绝了该请求。请检查该 ID 是否存在于此地域，以及是否输入正确。
upstream-unauthorized = 阿里云拒绝了机器人的凭证或权限。请告知服务器管理员；重试也无法解决。
upstream-throttled = 阿里云目前正在限制请求频率。请一分钟后重试。
upstream-unavailable = 无法连接阿里云，或阿里云未及时响应。请稍后重试。
upstream-bad-response = 阿里云返回了机器人无法读取的响应。请稍后重试。
upstream-support-request = 错误 { $code }，RequestId { $request_id }（供技术支持使用）。
upstream-support = 错误 { $code }。

audit-unavailable-title = 暂时无法记录请求
audit-unavailable = 机器人目前无法写入审计日志，因此未创建任何链接。请几分钟后重试。
audit-incomplete = 机器人未能在审计日志中完整记录此请求，因此不会显示链接。请几分钟后重试。
replayed = 此请求已处理过；未创建第二个链接。

issued-content = 这是您的分享链接。只有您能看到这条消息。
issued-title = 已分享 { $target } { $id }
issued-open = [打开 { $target }]({ $link })
issued-field-target = 目标
issued-field-valid-for = 有效时长
issued-field-expires = 过期时间
issued-field-request-id = RequestId
issued-field-name = 名称
issued-field-status = 状态
issued-field-workspace = 工作空间
issued-button = 打开 { $target }

rate-limited-title = 请放慢速度
rate-limited-user = 您分享链接的频率超出了限制。请等待 { $wait }后重试（{ $at }）。未分享任何内容。
rate-limited-guild = 本服务器分享链接的频率超出了限制。请等待 { $wait }后重试（{ $at }）。未分享任何内容。

internal-error-title = 出了点问题
internal-error = 机器人遇到内部错误，未分享任何内容。请重试；如果问题持续出现，请告知服务器管理员。

## 输入的问题，作为拒绝消息的开头（不带句号）。
error-id-empty = ID 为空
error-id-too-long = ID 长度为 { $length } 个字符，最多允许 { $max } 个
error-id-invalid-char = ID 包含 { $char }；只允许字母、数字、`_`、`.` 和 `-`
error-id-no-letter-or-digit = ID 中没有字母或数字
error-duration-empty = 时长为空
error-duration-malformed = { $input } 不是有效的时长：{ $reason }（示例：90s、30m、12h、7d、1w、1h30m、3600）
error-duration-expected-number = 此处应为数字
error-duration-needs-unit = 数字后需要带单位
error-duration-unknown-unit = 单位须为 s、m、h、d、w（或 秒、分、小时、天、周）
error-duration-unit-order = 单位须从大到小排列，且每种只能出现一次
error-duration-overflow = { $input } 太大
error-expiry-too-short = { $requested } 太短：最短为 { $min }
error-expiry-too-long = { $requested } 太长：此处最长为 { $max }
error-reason-empty = 理由为空
error-reason-too-long = 理由长度为 { $length } 个字符，最多为 { $max } 个

## Discord 命令选择器中显示的斜杠命令说明。每条最多 100 个字符；
## 命令名和选项名不翻译。

cmd-share = 通过限时链接分享 PAI-DLC 任务或 TensorBoard
cmd-share-job = 分享 DLC 训练任务
cmd-share-tensorboard = 分享 TensorBoard
opt-id-job = DLC 任务 ID，例如 dlc1a2b3c4d5e6f
opt-id-tensorboard = TensorBoard ID，例如 dlc1a2b3c4d5e6f
opt-expiry = 链接有效时长：90s、30m、12h、7d、1h30m、1小时30分（默认：服务器的默认有效期）
opt-reason = 分享理由（将记入审计日志）
