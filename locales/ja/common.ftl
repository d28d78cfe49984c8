## Words shared by every reply. Japanese writes durations out (`1 時間 30 分`).

duration-days = { $n } 日
duration-hours = { $n } 時間
duration-minutes = { $n } 分
duration-seconds = { $n } 秒
# Between the parts of one duration.
duration-joiner = {" "}
# Between two sentences of one reply: nothing in Japanese.
sentence-joiner = {""}
# Between the items of a list of channels or roles.
list-joiner = {"、"}
list-more = ほか { $count } 件

target-job = DLC ジョブ
target-tensorboard = TensorBoard

# Outcomes as the audit log records them.
outcome-issued = 発行済み
outcome-denied_role = ロールにより拒否
outcome-denied_channel = チャンネルにより拒否
outcome-denied_workspace = ワークスペースにより拒否
outcome-invalid_input = 入力が無効
outcome-rate_limited = レート制限
outcome-upstream_error = Alibaba Cloud のエラー
outcome-internal_error = 内部エラー
outcome-pending_approval = 承認待ち
outcome-denied_approval = 承認者が却下
outcome-approval_expired = 承認期限切れ

# Discord's own timestamps render in the reader's language and time zone.
timestamps = { $absolute }（{ $relative }）

# What the member gave as the reason, on its own line (approval cards, audit posts).
reason-line = 理由：{ $reason }

guild-not-enabled = このボットはこのサーバーでは共有リンクを発行していません。何も共有されていません。
busy = ボットは現在混み合っているため、何も共有されていません。数秒後にもう一度お試しください。
restarting = ボットは再起動中のため、リクエストを受け付けていません。しばらくしてからもう一度お試しください。
only-in-servers = これらのコマンドはサーバー内でのみ使用できます。
unknown-command = このバージョンのボットでは認識できないコマンドです。
unknown-button = このバージョンのボットでは認識できないボタンです。
storage-unavailable-nothing-changed = ボットは現在データベースに接続できません。何も変更されていません。しばらくしてからもう一度お試しください。

# Autocomplete: what the member typed, and what it means.
suggestion-typed = { $typed }（{ $duration }）

# 記録された 1 件の試行：誰が何を（$what）、続いて有効期限、結果、エラーコード。
attempt = { $what } → **{ $outcome }**
attempt-expiry = { $what }（有効期限 { $expiry }） → **{ $outcome }**
attempt-code = { $what } → **{ $outcome }**（{ $code }）
attempt-expiry-code = { $what }（有効期限 { $expiry }） → **{ $outcome }**（{ $code }）
