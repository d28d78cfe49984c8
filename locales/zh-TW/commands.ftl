## Discord 指令選單中顯示的斜線指令說明（SPEC §3、§12）。每則最多 100 個字元；
## 指令和選項名稱維持 SPEC §3 的寫法。

cmd-share = 以限時連結分享 PAI-DLC 工作或 TensorBoard
cmd-share-job = 分享 DLC 訓練工作
cmd-share-tensorboard = 分享 TensorBoard
opt-id-job = DLC 工作 ID，例如 dlc1a2b3c4d5e6f
opt-id-tensorboard = TensorBoard ID，例如 dlc1a2b3c4d5e6f
opt-expiry = 連結的有效期限：90s、30m、12h、7d、1h30m、1小時30分（預設：依伺服器設定）
opt-reason = 分享的理由（會保留在稽核記錄中）

cmd-admin = 管理誰可以分享、在哪裡分享，以及可分享多久
grp-roles = 允許的身分組
cmd-roles-add = 允許某個身分組分享，或變更其上限
cmd-roles-remove = 不再允許某個身分組
cmd-roles-list = 列出允許的身分組及其上限
opt-role = 身分組
opt-role-max-expiry = 此身分組可要求的最長有效期限（預設：伺服器的最長有效期限）
grp-channels = 可使用 /share 的頻道
cmd-channels-add = 讓 /share 可在某個頻道使用（之後僅限清單中的頻道）
cmd-channels-remove = 將頻道從清單中移除
cmd-channels-list = 列出可使用 /share 的頻道
opt-channel = 頻道
grp-policy = 分享規則
cmd-policy-show = 顯示此伺服器的所有設定
cmd-policy-set = 變更一或多項設定
opt-default-expiry = /share 未指定有效期限時使用
opt-max-expiry = 成員可要求的最長有效期限
opt-require-reason = /share 是否必須填寫理由
opt-audit-channel = 機器人為每次 /share 嘗試張貼一行記錄的頻道
opt-approvals-channel = 超過成員上限的請求會送往此頻道審核
opt-approver-role = 除伺服器管理員外，可核准請求的身分組
cmd-policy-clear = 將一項設定重設為機器人的預設值
opt-setting = 要重設的設定
cmd-audit = 最近的分享嘗試
opt-audit-user = 僅限此成員
opt-audit-limit = 顯示幾筆（1–25）
cmd-explain = 模擬檢查：此成員能否在這裡分享、可分享多久，以及原因
opt-explain-user = 成員
opt-explain-expiry = 要檢查的有效期限
opt-explain-channel = 頻道（預設：目前的頻道）

## `policy clear setting` 的選項：設定的名稱。
setting-default_expiry = 預設有效期限
setting-max_expiry = 最長有效期限
setting-require_reason = 必須填寫理由
setting-audit_channel = 稽核頻道
setting-approvals_channel = 審核頻道
setting-approver_role = 審核身分組
