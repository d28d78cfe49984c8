## Slash-command descriptions shown in Discord's command picker (SPEC §3, §12). At most
## 100 characters each; command and option names stay as SPEC §3 gives them.

cmd-share = PAI-DLC ジョブまたは TensorBoard を期限付きのリンクで共有します
cmd-share-job = DLC トレーニングジョブを共有します
cmd-share-tensorboard = TensorBoard を共有します
opt-id-job = DLC ジョブの ID（例：dlc1a2b3c4d5e6f）
opt-id-tensorboard = TensorBoard の ID（例：dlc1a2b3c4d5e6f）
opt-expiry = リンクの有効期限：90s、30m、12h、7d、1h30m、1時間30分 など（省略時：サーバーのデフォルト）
opt-reason = 共有する理由（監査ログに記録されます）

cmd-admin = 誰が、どこで、どのくらいの期間共有できるかを管理します
grp-roles = 許可されたロール
cmd-roles-add = ロールに共有を許可するか、その上限を変更します
cmd-roles-remove = ロールの許可を取り消します
cmd-roles-list = 許可されたロールとその上限を一覧表示します
opt-role = ロール
opt-role-max-expiry = このロールがリクエストできる最長の有効期限（省略時：サーバーの最大有効期限）
grp-channels = /share を使用できるチャンネル
cmd-channels-add = チャンネルで /share を使用できるようにします（以後はリストにあるチャンネルでのみ使用可能）
cmd-channels-remove = チャンネルをリストから外します
cmd-channels-list = /share を使用できるチャンネルを一覧表示します
opt-channel = チャンネル
grp-policy = 共有ポリシー
cmd-policy-show = このサーバーのすべての設定を表示します
cmd-policy-set = 1 つ以上の設定を変更します
opt-default-expiry = /share で有効期限を指定しなかったときに使われる有効期限
opt-max-expiry = メンバーがリクエストできる最長の有効期限
opt-require-reason = /share に理由を必須にするかどうか
opt-audit-channel = /share の試行ごとにボットが 1 行ずつ投稿するチャンネル
opt-approvals-channel = メンバーの上限を超えるリクエストを承認に回すチャンネル
opt-approver-role = サーバー管理者のほかに承認できるロール
cmd-policy-clear = 設定を 1 つ、ボットのデフォルトに戻します
opt-setting = デフォルトに戻す設定
cmd-audit = 最近の共有の試行を表示します
opt-audit-user = このメンバーのみ
opt-audit-limit = 表示する件数（1～25）
cmd-explain = ドライラン：このメンバーがここで共有できるか、最長どのくらいか、その理由を確認します
opt-explain-user = メンバー
opt-explain-expiry = 確認する有効期限
opt-explain-channel = 場所（省略時：このチャンネル）

## The choices of `policy clear setting`: a label, with the setting's own name.
setting-default_expiry = デフォルトの有効期限（default_expiry）
setting-max_expiry = 最大有効期限（max_expiry）
setting-require_reason = 理由の必須化（require_reason）
setting-audit_channel = 監査チャンネル（audit_channel）
setting-approvals_channel = 承認チャンネル（approvals_channel）
setting-approver_role = 承認者ロール（approver_role）
