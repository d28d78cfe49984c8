## `/share-admin` replies. `$role` and `$channel` are mentions, which ping nobody.

not-admin = `/share-admin` を使用できるのはサーバー管理者（「サーバー管理」権限または「管理者」権限を持つメンバー、または設定された管理者ロールを持つメンバー）のみです。
role-with-name = { $role }（{ $name }）

# $limit is a full clause; the messages below add the final 。.
role-limit-own = 有効期限は最長 **{ $cap }** までです
role-limit-own-above-max = 有効期限は最長 **{ $cap }** までです（このロール自体の上限 { $own }がサーバーの最大有効期限を超えているため）
role-limit-server-max = 有効期限はサーバーの最大有効期限（現在 **{ $cap }**）までです
role-added = { $role } が `/share` で共有リンクを作成できるようになりました。{ $limit }。
role-cap-changed = { $role } はすでに許可されていました。上限を変更しました（変更前：{ $before }）。{ $limit }。
role-cap-before-server-max = サーバーの最大有効期限
role-unchanged = { $role } はすでに許可されています。{ $limit }。何も変更されていません。
role-removed = { $role } は共有リンクを作成できなくなりました。
role-not-listed = { $role } は許可リストにありませんでした。何も変更されていません。
roles-none-left = 許可されたロールがなくなったため、ロールを追加するまで誰も共有できません。
roles-empty = 共有を許可されたロールはまだありません。`/share-admin roles add` で追加してください。
roles-heading = 共有を許可されたロールと、それぞれがリクエストできる最長の有効期限：
roles-line = • { $role }：**{ $cap }**
roles-line-limited = • { $role }：**{ $cap }**（ロール自体の上限は { $own }ですが、サーバーの最大有効期限により制限されています）
roles-line-server-max = • { $role }：**{ $cap }**（サーバーの最大有効期限）

channel-added = { $channel } をリストに追加しました。`/share` はリストにあるチャンネル（とそのスレッド）でのみ使用できるようになりました。
channel-already-listed = { $channel } はすでにリストにあります。何も変更されていません。
channel-removed = { $channel } をリストから外しました。
channel-not-listed = { $channel } はリストにありませんでした。何も変更されていません。
channels-none-left = リストにチャンネルがなくなったため、`/share` はすべてのチャンネルで使用できます。
channels-empty = リストにチャンネルがないため、`/share` はすべてのチャンネルで使用できます。`/share-admin channels add` で使用できるチャンネルを制限できます。
channels-list = `/share` を使用できるのは次のチャンネルのみです：{ $channels }（スレッドは親チャンネルとして扱われます）。
workspace-added = ワークスペース { $workspace } をリストに追加しました。ここではリストにあるワークスペースのジョブと TensorBoard のみ共有できるようになりました。
workspace-already-listed = ワークスペース { $workspace } はすでにリストにあります。変更はありません。
workspace-removed = ワークスペース { $workspace } をリストから削除しました。
workspace-not-listed = ワークスペース { $workspace } はリストにありません。変更はありません。
workspaces-none-left = リストにワークスペースがなくなったため、ボット自体のワークスペース規則のみが適用されます。
workspaces-empty = このサーバーではワークスペースがリストされていません。`/share-admin workspaces add` で共有を制限できます。
workspaces-list = このサーバーのリスト：{ $workspaces }。
workspaces-rule-any = 適用中：すべてのワークスペース。
workspaces-rule-only = 適用中（ボット自体の規則と合わせて）：{ $workspaces } のみ。
workspaces-rule-none = 適用中：ワークスペースなし。このサーバーのリストとボットのリストに共通するものがないため、管理者がリストを変更するまで何も共有できません。
workspaces-rule-unchecked = 適用中：ワークスペースなし。ボットの運用者が照会を無効にしているため対象のワークスペースを確認できず、ワークスペースがリストにある間は何も共有できません。`/share-admin workspaces remove` で削除するか、運用者に照会を有効にするよう依頼してください。

policy-heading = このサーバーの設定：
policy-updated-heading = 設定を更新しました：
policy-cleared-heading = `{ $setting }` をボットのデフォルトに戻しました：
policy-line = • `{ $setting }`：**{ $value }**（{ $source }）
policy-line-plain = • `{ $setting }`：{ $value }
policy-workspaces-any = • ワークスペース：すべて（共有前にジョブまたは TensorBoard を照会します）
policy-workspaces-only = • ワークスペース：{ $workspaces } のみ（このサーバーのリストとボット自体の規則を合わせたもの）
policy-lookup-off = • ワークスペース：すべて。共有前に対象を照会しません（ボットの運用者が無効にしています）
policy-workspaces-unchecked = • ワークスペース：なし。ワークスペースがリストにありますが、ボットの運用者が照会を無効にしているため対象のワークスペースを確認できず、何も共有されません（`/share-admin workspaces remove` でこのサーバーのリストを解除できます）
policy-source-here = このサーバーで設定
policy-source-default = ボットのデフォルト
policy-source-default-lowered = ボットのデフォルト { $configured }を最大有効期限まで引き下げ
policy-yes = はい
policy-no = いいえ
policy-none = なし
policy-approvals-none = なし（メンバーの上限を超えるリクエストは拒否されます）
policy-approver-none = なし（サーバー管理者が承認します）
policy-approver-role = { $role } とサーバー管理者
policy-defaults = ボットのデフォルト：デフォルトの有効期限 { $default }、最大有効期限 { $max }。ロールとチャンネルの確認：`/share-admin roles list`、`/share-admin channels list`。

# $why is a clause without final punctuation.
refused = 何も変更されていません：{ $why }。
refusal-nothing-to-set = 設定を 1 つ以上指定してください：`default_expiry`、`max_expiry`、`require_reason`、`audit_channel`、`approvals_channel`、`approver_role`
refusal-expiry = `{ $option }`：{ $error }
refusal-default-above-max = デフォルトの有効期限（{ $default }）が最大有効期限（{ $max }）より長くなっています
refusal-unknown-setting = { $setting } という設定はありません。default_expiry、max_expiry、require_reason、audit_channel、approvals_channel、approver_role のいずれかを選んでください
refusal-not-a-member = そのユーザーはこのサーバーのメンバーではありません
refusal-target-id = { $id } はジョブまたは TensorBoard の ID ではありません：{ $error }
refusal-workspace-id = { $workspace } はワークスペース ID ではありません（英数字、`-`、`_`、最大 64 文字）
refusal-workspace-outside = ワークスペース { $workspace } は、ボットが共有できるワークスペース { $workspaces } に含まれていません
refusal-lookup-off = ボットは対象を照会しません（運用者が無効にしています）。そのため、ワークスペース規則を適用できません
storage-unavailable = ボットは現在データベースに接続できません。何も変更されていません。しばらくしてからもう一度お試しください。

audit-empty = 共有の試行はまだ記録されていません。
# No plural in Japanese: one form for every count.
audit-heading = 直近 { $count } 件の共有の試行（新しい順）：
audit-line-what = • { $when } { $user } { $target } { $id }
audit-line-workspace = （ワークスペース { $workspace }）

## `/share-admin explain`: a dry run, one line per rule.
# $place follows は directly: "ここで" or " #channel で" (the leading space is deliberate).
explain-here = ここで
explain-in = {" "}{ $channel } で
explain-would-share = ✅ { $user } は{ $place }今すぐ共有できます。
explain-needs-approval = ⏳ { $user } は{ $place }リクエストできますが、承認が必要です。
explain-would-not = ⛔ { $user } は{ $place }今は共有できません。
explain-channel-anywhere = チャンネル：リストにチャンネルがないため、すべてのチャンネルで使用できます。
explain-channel-listed = チャンネル：許可されています（このチャンネル、またはスレッドの親チャンネルがリストにあります）。
explain-channel-not-allowed = チャンネル：許可されていません。`/share` は { $channels } でのみ使用できます。
explain-roles-empty = ロール：このサーバーではまだどのロールも許可されていません。
explain-role-cap = { $role }（最長 { $cap }）
explain-roles = ロール：{ $roles } により許可されています。このメンバーの上限：**{ $cap }**、デフォルト：**{ $default }**。
explain-roles-none = ロール：このメンバーのロールはいずれも許可されていません。
explain-server-reason-required = サーバー：デフォルト { $default }、最大 { $max }。理由は必須です。
explain-server-reason-optional = サーバー：デフォルト { $default }、最大 { $max }。理由は任意です。
explain-expiry-granted = 有効期限 { $expiry }：許可されます。
explain-expiry-no-role = 有効期限 { $expiry }：サーバーの範囲内ですが、このメンバーのロールでは共有が許可されていません。
explain-expiry-above-cap = 有効期限：このメンバーの上限 { $cap }を超えるため、拒否されます。
explain-expiry-invalid = 有効期限：拒否されます。{ $error }。
explain-default = 有効期限を指定しない場合は { $expiry }になります。
explain-first-refusal = 最初の拒否理由：{ $code }。
# No plural in Japanese: one form for every count.
explain-rate-limit = レート制限：現在あと { $requests } 件リクエストできます（本人の残り { $user } 件、サーバー全体の残り { $guild } 件）。
explain-rate-limit-unknown = レート制限：現在読み取れません（読み取れるようになるまで /share は拒否されます）。
explain-target-job = ジョブ
explain-target-tensorboard = TensorBoard
explain-target-found = { $kind } **{ $name }**（{ $status }、ワークスペース { $workspace }）
explain-target-shared = 対象 { $id }：{ $found }。共有されます。
explain-target-not-looked-up = 対象 { $id }：照会されません（ボットの運用者が照会をオフにしています）。ワークスペースのルールがないため、対象による制限はありません。
explain-target-lookup-failed-shared = 対象 { $id }：現在照会に失敗しています（{ $code }）。ワークスペースのルールがないため、詳細なしで共有されます。
explain-target-not-found = 対象 { $id }：ボットのアカウントとリージョンにこの ID のジョブや TensorBoard はありません。拒否されます。
explain-target-outside = 対象 { $id }：ワークスペース { $workspace } の { $kind } で、ここで許可されたワークスペース（{ $workspaces }）の外にあります。拒否され、名前は表示されません。
explain-target-unchecked = 対象 { $id }：ワークスペースのルールがありますが、ボットは対象を照会しないため、拒否されます。
explain-target-lookup-failed-refused = 対象 { $id }：現在照会に失敗しており（{ $code }）、ワークスペースのルールがあるため、拒否されます。

## Slash-command descriptions shown in Discord's command picker. At most 100 characters
## each; command and option names are not translated.

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
grp-workspaces = ジョブを共有できるワークスペース
cmd-workspaces-add = リストにあるワークスペースのジョブのみ共有します（ボット自体の範囲内）
cmd-workspaces-remove = ワークスペースをリストから削除します
cmd-workspaces-list = ワークスペースと適用中の規則を表示します
opt-workspace = PAI ワークスペース ID
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
opt-explain-id = ジョブまたは TensorBoard の ID：共有されるかどうか

## The choices of `policy clear setting`: a label, with the setting's own name.
setting-default_expiry = デフォルトの有効期限（default_expiry）
setting-max_expiry = 最大有効期限（max_expiry）
setting-require_reason = 理由の必須化（require_reason）
setting-audit_channel = 監査チャンネル（audit_channel）
setting-approvals_channel = 承認チャンネル（approvals_channel）
setting-approver_role = 承認者ロール（approver_role）
