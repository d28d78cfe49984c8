## 所有回复共用的词语。时长以中文写出（如“1 小时 30 分钟”）。

duration-days = { $n } 天
duration-hours = { $n } 小时
duration-minutes = { $n } 分钟
duration-seconds = { $n } 秒
# 同一时长各部分之间：一个空格。
duration-joiner = {" "}
# 同一回复中两句之间：不加空格。
sentence-joiner = {""}
# 频道或身份组列表各项之间。
list-joiner = {"、"}
list-more = 以及其他 { $count } 个

target-job = DLC 任务
target-tensorboard = TensorBoard

# 审计日志记录的结果，显示在“→”后的粗体中。
outcome-issued = 已发放
outcome-denied_role = 身份组未获允许
outcome-denied_channel = 频道未获允许
outcome-denied_workspace = 工作空间未获允许
outcome-invalid_input = 输入无效
outcome-rate_limited = 受频率限制
outcome-upstream_error = 上游错误
outcome-internal_error = 内部错误
outcome-pending_approval = 待审批
outcome-denied_approval = 审批被拒绝
outcome-approval_expired = 审批已过期

# Discord 时间戳按读者的语言和时区显示。
timestamps = { $absolute }（{ $relative }）

# What the member gave as the reason, on its own line (approval cards, audit posts).
reason-line = 理由：{ $reason }

guild-not-enabled = 此机器人不在本服务器中分享链接。未分享任何内容。
busy = 机器人当前繁忙，未分享任何内容；请几秒后重试。
restarting = 机器人正在重启，暂不处理请求；请稍后重试。
only-in-servers = 这些命令只能在服务器中使用。
unknown-command = 此版本的机器人无法识别该命令。
unknown-button = 此版本的机器人无法识别该按钮。
storage-unavailable-nothing-changed = 机器人暂时无法连接数据库，未做任何更改。请稍后重试。

# 自动补全：成员输入的内容及其含义。
suggestion-typed = { $typed }（{ $duration }）

# 一次记录的尝试：谁和什么（$what），然后是有效期、结果和错误代码。
attempt = { $what } → **{ $outcome }**
attempt-expiry = { $what }，有效期 { $expiry } → **{ $outcome }**
attempt-code = { $what } → **{ $outcome }**（{ $code }）
attempt-expiry-code = { $what }，有效期 { $expiry } → **{ $outcome }**（{ $code }）
