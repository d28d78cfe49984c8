## Approvals: the card in the approvals channel (in the server's language), what a
## click is told, and the requester's notices (in the requester's language).

approval-asks = { $requester } が { $target } { $id } を有効期限 **{ $expiry }** で共有するリクエストを送信しました。
approval-card-title = 承認待ちの共有リクエスト
approval-card-decide = このメンバーのロールで許可されている上限は { $cap }です。{ $deadline } までに承認または却下してください。
approval-approve = 承認
approval-deny = 却下
approval-ended-approved = 承認済み
approval-ended-denied = 却下済み
approval-ended-expired = 期限切れ
approval-ended-title = 共有リクエスト：{ $status }
approval-approved-by = { $by } が承認しました。
approval-denied-by = { $by } が却下しました。
approval-approved-not-claimed = { $by } が承認しましたが、期限内にリンクが受け取られませんでした。
approval-nobody-decided = 期限内に承認も却下もされませんでした。

approval-what = { $target } { $id }（有効期限 { $expiry }）
approval-claim-button = リンクを受け取る
approval-told-approved = { $what } の共有リクエストが { $by } によって承認されました。{ $deadline } までに **リンクを受け取る** を押してリンクを取得してください。リンクはあなただけに表示され、有効期間はその時点から始まります。
approval-told-denied = { $what } の共有リクエストは { $by } によって却下されました。何も共有されていません。
approval-told-expired = { $what } の共有リクエストは期限切れになりました。何も共有されていません。

click-not-found = このリクエストはもう存在しません。
click-not-approver = 共有リクエストを承認・却下できるのは、サーバー管理者と承認者ロールを持つメンバーのみです。何も変更されていません。
click-own-request = 管理者であっても、自分のリクエストを承認・却下することはできません。何も変更されていません。
click-not-requester = このリンクを受け取れるのは、リクエストしたメンバーのみです。何も共有されていません。
click-approved = 承認しました。{ $requester } に通知済みで、{ $deadline } までリンクを受け取れます。
click-denied = 却下しました。{ $requester } に通知済みです。
click-not-approved-yet = まだ承認されていません。
click-claimed-already = このリンクはすでに受け取られています。2 つ目のリンクは発行されません。
click-already-approved = このリクエストはすでに承認されています。何も変更されていません。
click-already-approved-by = このリクエストはすでに { $by } によって承認されています。何も変更されていません。
click-already-denied = このリクエストはすでに却下されています。何も変更されていません。
click-already-denied-by = このリクエストはすでに { $by } によって却下されています。何も変更されていません。
click-already-expired = このリクエストはすでに期限切れです。何も変更されていません。
click-expired = このリクエストは期限切れになりました。ボタンはもう機能しません。何も共有されていません。

sent-for-approval = あなたのロールで許可されている上限は { $cap }のため、有効期限 { $expiry }のリクエストを { $channel } に送信し、承認を依頼しました。結果はこことダイレクトメッセージ（DM）でお知らせします。リンクを受け取るまで何も共有されません。
approval-not-posted = あなたのロールで許可されている上限は { $cap }のため承認が必要ですが、ボットは { $channel } にリクエストを投稿できませんでした。何も共有されていません。サーバー管理者に連絡してください。

## An approval re-checked when it is approved or claimed, against the server's rules then.
approval-ended-refused = 許可されなくなりました
approval-refused = 承認または受け取りの時点で、このサーバーのルールを満たさなくなっていました。何も共有されていません。
approval-told-refused = { $what } の共有リクエストは、このサーバーの現在のルールでは許可できなくなりました。何も共有されていません。
click-no-longer-allowed = このリクエストは終了しました：{ $why }何も共有されていません。
click-member-unknown = ボットは現在、Discord でリクエストした人のロールを確認できませんでした。何も変更されていません。しばらくしてからもう一度お試しください。
click-already-refused = このリクエストは、このサーバーのルールを満たさなくなったため既に終了しています。何も変更されていません。
why-guild-not-enabled = ボットはこのサーバーでリンクを共有しなくなりました。
why-empty-allowlist = このサーバーでは共有を許可されたロールがなくなりました。
why-missing-role = { $requester } は共有を許可されたロールを持っていません。
why-above-max = このサーバーの上限は現在 { $max } で、依頼された { $expiry } より短くなっています。
why-above-cap = このサーバーでは承認が設定されなくなり、{ $expiry } は { $requester } の上限 { $cap } を超えています。
why-workspace = 対象はワークスペース { $workspace } にありますが、ここでは現在 { $workspaces } のものしか共有できません。
why-workspace-none = ここでは現在どのワークスペースも許可されていないため、何も共有できません（管理者は `/share-admin policy show` で理由を確認できます）。

## The audit channel: one line per `/share` attempt (in the server's language).
audit-post-what = { $user } `/share { $command }` { $id }
