## 審核：審核頻道中的卡片（使用伺服器的語言）、按下按鈕後的回覆，
## 以及給請求者的通知（使用請求者的語言）。

approval-asks = { $requester } 請求分享 { $target } { $id }，有效期限 **{ $expiry }**。
approval-card-title = 待審核的分享請求
approval-card-decide = 請求者的身分組最長允許 { $cap }。請在 { $deadline } 之前做出決定。
approval-approve = 核准
approval-deny = 拒絕
approval-ended-approved = 已核准
approval-ended-denied = 已拒絕
approval-ended-expired = 已逾期
approval-ended-title = 分享請求：{ $status }
approval-approved-by = 由 { $by } 核准。
approval-denied-by = 由 { $by } 拒絕。
approval-approved-not-claimed = 已由 { $by } 核准，但未在時限內領取。
approval-nobody-decided = 無人在時限內做出決定。

approval-what = { $target } { $id }（有效期限 { $expiry }）
approval-claim-button = 領取連結
approval-told-approved = 您分享 { $what } 的請求已由 { $by } 核准。請在 { $deadline } 之前按下**領取連結**以取得連結；只有您能看到連結，且有效期限會從那時開始計算。
approval-told-denied = 您分享 { $what } 的請求已被 { $by } 拒絕。未分享任何內容。
approval-told-expired = 您分享 { $what } 的請求已逾期。未分享任何內容。

click-not-found = 此請求已不存在。
click-not-approver = 只有伺服器管理員和擁有審核身分組的成員才能決定分享請求。未做任何變更。
click-own-request = 您無法核准或拒絕自己的請求，即使您是伺服器管理員也一樣。未做任何變更。
click-not-requester = 只有提出請求的成員才能領取此連結。未分享任何內容。
click-approved = 您已核准此請求。已通知 { $requester }，對方可在 { $deadline } 之前領取連結。
click-denied = 您已拒絕此請求。已通知 { $requester }。
click-not-approved-yet = 此請求尚未獲得核准。
click-claimed-already = 此連結已被領取；不會再核發第二個連結。
click-already-approved = 此請求已被核准。未做任何變更。
click-already-approved-by = 此請求已由 { $by } 核准。未做任何變更。
click-already-denied = 此請求已被拒絕。未做任何變更。
click-already-denied-by = 此請求已由 { $by } 拒絕。未做任何變更。
click-already-expired = 此請求已逾期。未做任何變更。
click-expired = 此請求已逾期；按鈕已失效。未分享任何內容。

sent-for-approval = 您的身分組最長允許 { $cap }，因此您要求 { $expiry } 的請求已送至 { $channel } 等待審核。您會在這裡及透過私人訊息收到通知；在您領取之前，不會分享任何內容。
approval-not-posted = 您的身分組最長允許 { $cap }，因此這項請求需要審核，但機器人無法在 { $channel } 張貼請求。未分享任何內容；請通知伺服器管理員。

## 在核准或領取時，依當時伺服器的規則重新檢查審核。
approval-ended-refused = 不再允許
approval-refused = 在核准或領取時，它已不再符合此伺服器的規則。未分享任何內容。
approval-told-refused = 依此伺服器目前的規則，您分享 { $what } 的請求已無法核准。未分享任何內容。
click-no-longer-allowed = 此請求已結束：{ $why }未分享任何內容。
click-member-unknown = 機器人暫時無法透過 Discord 確認請求者的身分組；未做任何變更。請稍後再試。
click-already-refused = 此請求已結束：它已不再符合此伺服器的規則。未做任何變更。
why-guild-not-enabled = 機器人已不再於此伺服器分享連結。
why-empty-allowlist = 此伺服器已沒有任何獲准分享的身分組。
why-missing-role = { $requester } 已不再擁有獲准分享的身分組。
why-above-max = 此伺服器的上限現為 { $max }，短於所請求的 { $expiry }。
why-above-cap = 此伺服器已不再設定審核，且 { $expiry } 超過了 { $requester } 的上限 { $cap }。
why-workspace = 該目標位於工作空間 { $workspace }，而此處現在只能分享以下工作空間中的內容：{ $workspaces }。
why-workspace-none = 此處現在不允許任何工作空間，因此無法分享任何內容（管理員可以用 `/share-admin policy show` 查看原因）。

## 稽核頻道：每次 `/share` 嘗試一行（使用伺服器的語言）。
audit-post-what = { $user } `/share { $command }` { $id }
