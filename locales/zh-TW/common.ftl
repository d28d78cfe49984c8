## 所有回覆共用的字詞。英文的時長照成員輸入的寫法（`1h30m`），其他語言則寫成文字。

duration-days = { $n } 天
duration-hours = { $n } 小時
duration-minutes = { $n } 分鐘
duration-seconds = { $n } 秒
# 同一時長各部分之間：一個空格（「1 小時 30 分鐘」）。
duration-joiner = {" "}
# 同一則回覆的句子之間：不加空格。
sentence-joiner = {""}
# 頻道或身分組清單的項目之間。
list-joiner = {"、"}
list-more = 另外 { $count } 個

target-job = DLC 工作
target-tensorboard = TensorBoard

# 稽核記錄中的結果。
outcome-issued = 已核發
outcome-denied_role = 身分組未獲准
outcome-denied_channel = 頻道未獲准
outcome-denied_workspace = 工作空間未獲准
outcome-invalid_input = 輸入無效
outcome-rate_limited = 超過頻率限制
outcome-upstream_error = 阿里雲錯誤
outcome-internal_error = 內部錯誤
outcome-pending_approval = 等待審核
outcome-denied_approval = 審核遭拒
outcome-approval_expired = 審核逾期

# Discord 的時間戳記會依讀者的語言和時區顯示。
timestamps = { $absolute }（{ $relative }）

# What the member gave as the reason, on its own line (approval cards, audit posts).
reason-line = 理由：{ $reason }

guild-not-enabled = 此機器人不會在這個伺服器分享連結。未分享任何內容。
busy = 機器人目前忙碌中，未分享任何內容；請過幾秒再試一次。
restarting = 機器人正在重新啟動，暫不受理請求；請稍後再試。
only-in-servers = 這些指令只能在伺服器中使用。
unknown-command = 此版本的機器人無法辨識這個指令。
unknown-button = 此版本的機器人無法辨識這個按鈕。
storage-unavailable-nothing-changed = 機器人目前無法連線至資料庫；未做任何變更。請稍後再試。

# 自動完成：成員輸入的內容及其代表的時長。
suggestion-typed = { $typed }（{ $duration }）

# 一次記錄的嘗試：誰與什麼（$what），接著是有效期限、結果與錯誤代碼。
attempt = { $what } → **{ $outcome }**
attempt-expiry = { $what }，有效期限 { $expiry } → **{ $outcome }**
attempt-code = { $what } → **{ $outcome }**（{ $code }）
attempt-expiry-code = { $what }，有效期限 { $expiry } → **{ $outcome }**（{ $code }）
