## `/share` 的回覆。每則拒絕的最後都會說明未分享任何內容。


invalid-id-title = ID 無效
invalid-id = { $error }。ID 須為 1–128 個字元，只能包含英文字母、數字、`_`、`.` 和 `-`，例如 `dlc1a2b3c4d5e6f`。未分享任何內容。
invalid-expiry-title = 有效期限無效
invalid-expiry = { $error }。請使用 `90s`、`30m`、`12h`、`7d` 或 `1h30m` 這類時長（至少 1 分鐘），或不填寫以使用伺服器的預設值。未分享任何內容。
invalid-reason-title = 理由無效
invalid-reason = { $error }。請填寫 1–{ $max } 個字元的理由，或不要填寫。未分享任何內容。
reason-required-title = 必須填寫理由
reason-required = 此伺服器要求每次分享都須填寫理由。請加上 `reason:` 重新執行指令（例如 `reason: debugging the loss spike`）。未分享任何內容。
above-role-cap-title = 有效期限超過您的身分組允許的範圍
above-role-cap = 您的身分組最多只能分享 **{ $cap }**。請要求 { $cap } 以內的有效期限，或不填寫有效期限。未分享任何內容。
channel-not-allowed-title = 無法在此頻道使用
channel-not-allowed = 在此伺服器中，`/share` 只能在 { $channels } 使用。未分享任何內容。
guild-not-enabled-title = 無法在此伺服器使用
empty-allowlist-title = 此伺服器尚未設定分享功能
empty-allowlist = 目前還沒有任何身分組獲准分享連結。伺服器管理員須先執行 `/share-admin roles add`。未分享任何內容。
missing-role-title = 您無法在這裡分享連結
missing-role = 您的身分組都未獲准分享。請伺服器管理員使用 `/share-admin roles add` 允許您的其中一個身分組。未分享任何內容。
target-not-found-title = 沒有這個工作或 TensorBoard
target-not-found = 在此機器人的阿里雲帳號和地域中，沒有使用此 ID 的工作或 TensorBoard。請確認 ID 和地域。未分享任何內容。
workspace-not-allowed-title = 無法分享該工作空間中的內容
workspace-not-allowed = 在此伺服器中，只能分享以下工作空間中的工作和 TensorBoard：{ $workspaces }。未分享任何內容。
workspace-none-allowed = 此伺服器目前無法分享任何工作或 TensorBoard：其工作空間規則沒有留下機器人能夠核對的工作空間。未分享任何內容。管理員可以用 `/share-admin policy show` 查看原因。

upstream-title = 無法建立連結
upstream-rejected = 阿里雲拒絕了此請求。請確認此 ID 存在於這個地域，且輸入無誤。
upstream-unauthorized = 阿里雲拒絕了機器人的憑證或權限。請通知伺服器管理員；重試也無法解決。
upstream-throttled = 阿里雲目前正在限制請求頻率。請過一分鐘再試。
upstream-unavailable = 無法連線至阿里雲，或阿里雲未及時回應。請稍後再試。
upstream-bad-response = 阿里雲傳回了機器人無法解讀的回應。請稍後再試。
upstream-support-request = 錯誤 { $code }，RequestId { $request_id }（供技術支援使用）。
upstream-support = 錯誤 { $code }。

audit-unavailable-title = 目前無法記錄請求
audit-unavailable = 機器人目前無法寫入稽核記錄，因此未建立任何連結。請過幾分鐘再試。
audit-incomplete = 機器人無法在稽核記錄中完成這項請求的記錄，因此不會顯示連結。請過幾分鐘再試。
replayed = 此請求已處理過；未建立第二個連結。

issued-content = 這是您的分享連結。只有您能看到這則訊息。
issued-title = 已分享 { $target } { $id }
issued-open = [開啟 { $target }]({ $link })
issued-field-target = 目標
issued-field-valid-for = 有效時間
issued-field-expires = 到期時間
issued-field-request-id = RequestId
issued-field-name = 名稱
issued-field-status = 狀態
issued-field-workspace = 工作空間
issued-button = 開啟 { $target }

rate-limited-title = 請放慢速度
rate-limited-user = 您分享連結的頻率超過上限。可再試的時間：{ $at }（{ $wait }後）。未分享任何內容。
rate-limited-guild = 此伺服器分享連結的頻率超過上限。可再試的時間：{ $at }（{ $wait }後）。未分享任何內容。

internal-error-title = 發生錯誤
internal-error = 機器人發生內部錯誤，未分享任何內容。請再試一次；若問題持續發生，請通知伺服器管理員。

## 輸入有什麼問題，作為拒絕訊息的開頭。
error-id-empty = ID 為空白
error-id-too-long = ID 長度為 { $length } 個字元，最多只能 { $max } 個字元
error-id-invalid-char = ID 含有 { $char }；只能使用英文字母、數字、`_`、`.` 和 `-`
error-id-no-letter-or-digit = ID 中沒有英文字母或數字
error-duration-empty = 時長為空白
error-duration-malformed = { $input } 不是有效的時長：{ $reason }（範例：90s、30m、12h、7d、1w、1h30m、3600）
error-duration-expected-number = 此處應為數字
error-duration-needs-unit = 數字後面須加上單位
error-duration-unknown-unit = 單位須為 s、m、h、d、w（或 秒、分、小時、天、週）
error-duration-unit-order = 單位須由大到小排列，且每種只能出現一次
error-duration-overflow = { $input } 太大
error-expiry-too-short = { $requested } 太短：最短為 { $min }
error-expiry-too-long = { $requested } 太長：這裡最長為 { $max }
error-reason-empty = 理由為空白
error-reason-too-long = 理由長度為 { $length } 個字元，最多只能 { $max } 個字元

## Discord 指令選單中顯示的斜線指令說明。每則最多 100 個字元；
## 指令和選項名稱不翻譯。

cmd-share = 以限時連結分享 PAI-DLC 工作或 TensorBoard
cmd-share-job = 分享 DLC 訓練工作
cmd-share-tensorboard = 分享 TensorBoard
opt-id-job = DLC 工作 ID，例如 dlc1a2b3c4d5e6f
opt-id-tensorboard = TensorBoard ID，例如 dlc1a2b3c4d5e6f
opt-expiry = 連結的有效期限：90s、30m、12h、7d、1h30m、1小時30分（預設：依伺服器設定）
opt-reason = 分享的理由（會保留在稽核記錄中）
