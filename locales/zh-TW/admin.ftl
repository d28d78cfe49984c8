## `/share-admin` 的回覆。`$role` 和 `$channel` 是提及，不會通知任何人。

not-admin = 只有伺服器管理員（具有「管理伺服器」或「管理員」權限，或擁有已設定的管理身分組）才能使用 `/share-admin`。
role-with-name = { $role }（{ $name }）

role-limit-own = 最長 **{ $cap }**
role-limit-own-above-max = 最長 **{ $cap }**（其自身上限 { $own } 超過伺服器的最長有效期限）
role-limit-server-max = 最長為伺服器的最長有效期限，目前為 **{ $cap }**
role-added = { $role } 現在可以使用 `/share` 分享連結，有效期限{ $limit }。
role-cap-changed = { $role } 原本就已獲准分享；上限已變更（原為 { $before }），現在可分享的有效期限{ $limit }。
role-cap-before-server-max = 伺服器的最長有效期限
role-unchanged = { $role } 原本就已獲准分享，有效期限{ $limit }；未做任何變更。
role-removed = { $role } 已無法再分享連結。
role-not-listed = { $role } 原本就不在允許清單中；未做任何變更。
roles-none-left = 目前沒有任何身分組獲准分享，在新增身分組之前，沒有人能分享。
roles-empty = 目前還沒有身分組可以分享。請使用 `/share-admin roles add` 新增。
roles-heading = 獲准分享的身分組，以及各自可要求的最長有效期限：
roles-line = • { $role }：**{ $cap }**
roles-line-limited = • { $role }：**{ $cap }**（自身上限為 { $own }，受伺服器的最長有效期限限制）
roles-line-server-max = • { $role }：**{ $cap }**（伺服器的最長有效期限）

channel-added = 已將 { $channel } 加入清單：`/share` 現在只能在清單中的頻道（及其討論串）使用。
channel-already-listed = { $channel } 原本就已在清單中；未做任何變更。
channel-removed = 已將 { $channel } 從清單中移除。
channel-not-listed = { $channel } 原本就不在清單中；未做任何變更。
channels-none-left = 清單中已沒有任何頻道，因此 `/share` 可在所有頻道使用。
channels-empty = 清單中沒有任何頻道：`/share` 可在所有頻道使用。可使用 `/share-admin channels add` 加以限制。
channels-list = `/share` 只能在以下頻道使用：{ $channels }（討論串視同其所屬頻道）。
workspace-added = 已將工作空間 { $workspace } 加入清單：此處現在只能分享清單中工作空間的工作和 TensorBoard。
workspace-already-listed = 工作空間 { $workspace } 已在清單中；未做任何變更。
workspace-removed = 已將工作空間 { $workspace } 從清單移除。
workspace-not-listed = 工作空間 { $workspace } 不在清單中；未做任何變更。
workspaces-none-left = 現在清單中沒有任何工作空間，僅適用機器人本身的工作空間規則。
workspaces-empty = 此伺服器未列出任何工作空間。可用 `/share-admin workspaces add` 限制分享範圍。
workspaces-list = 此伺服器列出的工作空間：{ $workspaces }。
workspaces-rule-any = 目前生效：任何工作空間。
workspaces-rule-only = 目前生效（結合機器人本身的規則）：僅限 { $workspaces }。
workspaces-rule-none = 目前生效：沒有任何工作空間——此伺服器的清單與機器人的清單沒有交集，在管理員修改清單前無法分享任何內容。
workspaces-rule-unchecked = 目前生效：沒有任何工作空間——機器人營運者已關閉查詢，無法核對目標所在的工作空間，因此在清單列有工作空間期間無法分享任何內容。請用 `/share-admin workspaces remove` 移除它們，或請營運者開啟查詢。

policy-heading = 此伺服器的設定：
policy-updated-heading = 已更新設定：
policy-cleared-heading = `{ $setting }` 已恢復為機器人的預設值：
policy-line = • `{ $setting }`：**{ $value }**（{ $source }）
policy-line-plain = • `{ $setting }`：{ $value }
policy-workspaces-any = • 工作空間：任意（分享前會先查詢每個工作或 TensorBoard）
policy-workspaces-only = • 工作空間：僅限 { $workspaces }（結合此伺服器的清單與機器人本身的規則）
policy-lookup-off = • 工作空間：任意；分享前不查詢目標（機器人營運者已關閉此功能）
policy-workspaces-unchecked = • 工作空間：無——清單列有工作空間，但機器人營運者已關閉查詢，無法核對目標所在的工作空間，因此不會分享任何內容（用 `/share-admin workspaces remove` 可解除此伺服器的清單）
policy-source-here = 在此伺服器設定
policy-source-default = 機器人的預設值
policy-source-default-lowered = 機器人的預設值為 { $configured }，已降至最長有效期限
policy-yes = 是
policy-no = 否
policy-none = 無
policy-approvals-none = 無（超過成員上限的請求會被拒絕）
policy-approver-none = 無（由伺服器管理員核准）
policy-approver-role = { $role } 及伺服器管理員
policy-defaults = 機器人的預設值：預設有效期限 { $default }，最長有效期限 { $max }。身分組與頻道：`/share-admin roles list`、`/share-admin channels list`。

refused = 未做任何變更：{ $why }。
refusal-nothing-to-set = 請至少提供一項設定：`default_expiry`、`max_expiry`、`require_reason`、`audit_channel`、`approvals_channel` 或 `approver_role`
refusal-expiry = `{ $option }`：{ $error }
refusal-default-above-max = 預設有效期限（{ $default }）比最長有效期限（{ $max }）還長
refusal-unknown-setting = { $setting } 不是有效的設定；請從 default_expiry、max_expiry、require_reason、audit_channel、approvals_channel、approver_role 中選擇一項
refusal-not-a-member = 該使用者不是此伺服器的成員
refusal-target-id = { $id } 不是任務或 TensorBoard 的 ID：{ $error }
refusal-workspace-id = { $workspace } 不是工作空間 ID（英文字母、數字、`-` 和 `_`，最多 64 個字元）
refusal-workspace-outside = 工作空間 { $workspace } 不在機器人可分享的工作空間之內：{ $workspaces }
refusal-lookup-off = 機器人不查詢目標（營運者已關閉此功能），因此無法執行工作空間規則
storage-unavailable = 機器人目前無法連線至資料庫；未做任何變更。請稍後再試。

audit-empty = 目前還沒有任何分享嘗試的記錄。
# 中文沒有複數形式，因此不用選擇器。
audit-heading = 最近 { $count } 次分享嘗試（由新到舊）：
audit-line-what = • { $when } { $user } { $target } { $id }
audit-line-workspace = （工作空間 { $workspace }）

## `/share-admin explain`：模擬檢查，每條規則一行。
explain-here = 在這裡
explain-in = 在 { $channel } 中
explain-would-share = ✅ { $user } 目前可以{ $place }分享。
explain-needs-approval = ⏳ { $user } 可以{ $place }提出請求，但需要經過審核。
explain-would-not = ⛔ { $user } 目前無法{ $place }分享。
explain-channel-anywhere = 頻道：清單中沒有任何頻道，因此所有頻道都可以使用。
explain-channel-listed = 頻道：允許（此頻道或討論串所屬的頻道在清單中）。
explain-channel-not-allowed = 頻道：不允許；`/share` 只能在 { $channels } 使用。
explain-roles-empty = 身分組：此伺服器尚未允許任何身分組。
explain-role-cap = { $role }（最長 { $cap }）
explain-roles = 身分組：透過 { $roles } 獲准。上限：**{ $cap }**；預設有效期限：**{ $default }**。
explain-roles-none = 身分組：該成員的身分組都未獲准。
explain-server-reason-required = 伺服器：預設 { $default }，最長 { $max }；必須填寫理由。
explain-server-reason-optional = 伺服器：預設 { $default }，最長 { $max }；理由為選填。
explain-expiry-granted = 有效期限 { $expiry }：會獲准。
explain-expiry-no-role = 有效期限 { $expiry }：在伺服器允許的範圍內，但該成員的身分組不允許分享。
explain-expiry-above-cap = 有效期限：會被拒絕，因為超過其上限 { $cap }。
explain-expiry-invalid = 有效期限：會被拒絕，原因：{ $error }。
explain-default = 若未指定有效期限，該成員會獲得 { $expiry } 的有效期限。
explain-first-refusal = 第一個拒絕原因：{ $code }。
# 中文沒有複數形式，因此不用選擇器。
explain-rate-limit = 頻率限制：目前還能再提出 { $requests } 個請求（個人剩餘 { $user } 個，伺服器剩餘 { $guild } 個）。
explain-rate-limit-unknown = 頻率限制：目前無法讀取（在能夠讀取之前，/share 都會被拒絕）。
explain-target-job = 任務
explain-target-tensorboard = TensorBoard
explain-target-found = { $kind } **{ $name }**（{ $status }，工作空間 { $workspace }）
explain-target-shared = 目標 { $id }：{ $found }；會被分享。
explain-target-not-looked-up = 目標 { $id }：不會查詢（機器人的營運者關閉了查詢）；沒有工作空間規則，目標本身不會阻止分享。
explain-target-lookup-failed-shared = 目標 { $id }：目前查詢失敗（{ $code }）；沒有工作空間規則，會不帶詳情地分享。
explain-target-not-found = 目標 { $id }：機器人的帳號和地區中沒有此 ID 的任務或 TensorBoard；會被拒絕。
explain-target-outside = 目標 { $id }：工作空間 { $workspace } 中的{ $kind }，不在此處允許的工作空間（{ $workspaces }）之內；會被拒絕，也不顯示其名稱。
explain-target-unchecked = 目標 { $id }：有工作空間規則，但機器人不查詢目標，所以會被拒絕。
explain-target-lookup-failed-refused = 目標 { $id }：目前查詢失敗（{ $code }）且有工作空間規則，所以會被拒絕。

## Discord 指令選單中顯示的斜線指令說明。每則最多 100 個字元；
## 指令和選項名稱不翻譯。

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
grp-workspaces = 可分享其工作的工作空間
cmd-workspaces-add = 僅分享清單中工作空間的工作（在機器人本身的範圍內）
cmd-workspaces-remove = 將工作空間從清單移除
cmd-workspaces-list = 列出工作空間及目前生效的規則
opt-workspace = PAI 工作空間 ID
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
opt-explain-id = 任務或 TensorBoard 的 ID：是否會被分享

## `policy clear setting` 的選項：設定的名稱。
setting-default_expiry = 預設有效期限
setting-max_expiry = 最長有效期限
setting-require_reason = 必須填寫理由
setting-audit_channel = 稽核頻道
setting-approvals_channel = 審核頻道
setting-approver_role = 審核身分組
