## `/share` replies. Every refusal ends by saying nothing was shared.


invalid-id-title = ID が無効です
invalid-id = { $error }。ID には英数字、`_`、`.`、`-` を 1～128 文字で指定してください（例：`dlc1a2b3c4d5e6f`）。何も共有されていません。
invalid-expiry-title = 有効期限が無効です
invalid-expiry = { $error }。`90s`、`30m`、`12h`、`7d`、`1h30m` のような期間（1 分以上）を指定するか、省略してサーバーのデフォルトを使用してください。何も共有されていません。
invalid-reason-title = 理由が無効です
invalid-reason = { $error }。理由は 1～{ $max } 文字で入力するか、省略してください。何も共有されていません。
reason-required-title = 理由が必要です
reason-required = このサーバーでは、共有のたびに理由が必要です。`reason:` を付けてもう一度コマンドを実行してください（例：`reason: debugging the loss spike`）。何も共有されていません。
above-role-cap-title = 有効期限があなたのロールの上限を超えています
above-role-cap = あなたのロールで共有できる有効期限は最長 **{ $cap }** です。{ $cap }以下を指定するか、有効期限を省略してください。何も共有されていません。
channel-not-allowed-title = このチャンネルでは使用できません
channel-not-allowed = このサーバーでは、`/share` は { $channels } でのみ使用できます。何も共有されていません。
guild-not-enabled-title = このサーバーでは利用できません
empty-allowlist-title = このサーバーでは共有が設定されていません
empty-allowlist = 共有リンクの作成を許可されたロールがまだありません。まず管理者が `/share-admin roles add` を実行する必要があります。何も共有されていません。
missing-role-title = ここでは共有リンクを作成できません
missing-role = あなたのロールはいずれも共有を許可されていません。`/share-admin roles add` であなたのロールを許可するよう、サーバー管理者に依頼してください。何も共有されていません。
target-not-found-title = そのジョブまたは TensorBoard は存在しません
target-not-found = このボットの Alibaba Cloud アカウントとリージョンには、その ID のジョブも TensorBoard もありません。ID とリージョンを確認してください。何も共有されていません。
workspace-not-allowed-title = そのワークスペースのものは共有できません
workspace-not-allowed = このサーバーでは、ワークスペース { $workspaces } のジョブと TensorBoard のみ共有できます。何も共有されていません。
workspace-none-allowed = このサーバーでは現在、ジョブも TensorBoard も共有できません。ワークスペース規則により、ボットが確認できるワークスペースがありません。何も共有されていません。管理者は `/share-admin policy show` で理由を確認できます。

upstream-title = 共有リンクを作成できませんでした
upstream-rejected = Alibaba Cloud がリクエストを拒否しました。ID がこのリージョンに存在するか、正しく入力されているかを確認してください。
upstream-unauthorized = Alibaba Cloud がボットの認証情報または権限を拒否しました。サーバー管理者に連絡してください。再試行しても解決しません。
upstream-throttled = 現在 Alibaba Cloud がリクエストを制限しています。1 分ほどしてからもう一度お試しください。
upstream-unavailable = Alibaba Cloud に接続できないか、時間内に応答がありませんでした。しばらくしてからもう一度お試しください。
upstream-bad-response = Alibaba Cloud から、ボットが読み取れない応答が返されました。しばらくしてからもう一度お試しください。
upstream-support-request = エラー { $code }、RequestId { $request_id }（サポート用）。
upstream-support = エラー { $code }。

audit-unavailable-title = 現在リクエストを記録できません
audit-unavailable = ボットは現在監査ログに書き込めないため、リンクは作成されていません。数分後にもう一度お試しください。
audit-incomplete = ボットはこのリクエストを監査ログに記録し終えられなかったため、リンクを表示しません。数分後にもう一度お試しください。
replayed = このリクエストはすでに処理されています。2 つ目のリンクは作成されていません。

issued-content = 共有リンクはこちらです。このメッセージはあなただけに表示されています。
issued-title = { $target } { $id } を共有しました
issued-open = [{ $target } を開く]({ $link })
issued-field-target = 対象
issued-field-valid-for = 有効期間
issued-field-expires = 有効期限
issued-field-request-id = RequestId
issued-field-name = 名前
issued-field-status = ステータス
issued-field-workspace = ワークスペース
issued-button = { $target } を開く

rate-limited-title = リクエストが多すぎます
rate-limited-user = 許可されている頻度を超えて共有リンクを作成しています。{ $at } にもう一度お試しください（待ち時間：{ $wait }）。何も共有されていません。
rate-limited-guild = このサーバーは許可されている頻度を超えて共有リンクを作成しています。{ $at } にもう一度お試しください（待ち時間：{ $wait }）。何も共有されていません。

internal-error-title = 問題が発生しました
internal-error = ボットで内部エラーが発生したため、何も共有されていません。もう一度お試しください。問題が続く場合は、サーバー管理者に連絡してください。

## What was wrong with the input, as the start of a refusal (no final 。).
error-id-empty = ID が空です
error-id-too-long = ID が長すぎます（{ $length } 文字、最大 { $max } 文字）
error-id-invalid-char = ID に使用できない文字 { $char } が含まれています（使用できるのは英数字、`_`、`.`、`-` のみ）
error-id-no-letter-or-digit = ID に英字または数字が含まれていません
error-duration-empty = 期間が空です
error-duration-malformed = { $input } は期間として読み取れません：{ $reason }（例：90s、30m、12h、7d、1w、1h30m、3600）
error-duration-expected-number = 数値が必要です
error-duration-needs-unit = 数値には単位が必要です
error-duration-unknown-unit = 単位は s、m、h、d、w、または 秒、分、時間、日、週 です
error-duration-unit-order = 単位は大きい順に、それぞれ 1 回ずつ指定してください
error-duration-overflow = { $input } は大きすぎます
error-expiry-too-short = { $requested }は短すぎます（最小は { $min }）
error-expiry-too-long = { $requested }は長すぎます（ここでの最大は { $max }）
error-reason-empty = 理由が空です
error-reason-too-long = 理由が長すぎます（{ $length } 文字、最大 { $max } 文字）

## Slash-command descriptions shown in Discord's command picker. At most 100 characters
## each; command and option names are not translated.

cmd-share = PAI-DLC ジョブまたは TensorBoard を期限付きのリンクで共有します
cmd-share-job = DLC トレーニングジョブを共有します
cmd-share-tensorboard = TensorBoard を共有します
opt-id-job = DLC ジョブの ID（例：dlc1a2b3c4d5e6f）
opt-id-tensorboard = TensorBoard の ID（例：dlc1a2b3c4d5e6f）
opt-expiry = リンクの有効期限：90s、30m、12h、7d、1h30m、1時間30分 など（省略時：サーバーのデフォルト）
opt-reason = 共有する理由（監査ログに記録されます）
