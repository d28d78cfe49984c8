## 审批：审批频道中的卡片（使用服务器语言）、点击按钮后的提示，
## 以及发给请求者的通知（使用请求者的语言）。

approval-asks = { $requester } 请求分享 { $target } { $id }，有效期 **{ $expiry }**。
approval-card-title = 待审批的分享请求
approval-card-decide = 该成员的身份组允许的有效期最长为 { $cap }。请在以下时间前做出决定：{ $deadline }。
approval-approve = 批准
approval-deny = 拒绝
approval-ended-approved = 已批准
approval-ended-denied = 已拒绝
approval-ended-expired = 已过期
approval-ended-title = 分享请求：{ $status }
approval-approved-by = { $by } 已批准。
approval-denied-by = { $by } 已拒绝。
approval-approved-not-claimed = { $by } 已批准，但未在时限内领取。
approval-nobody-decided = 无人在时限内做出决定。

approval-what = { $target } { $id }，有效期 { $expiry }
approval-claim-button = 领取链接
approval-told-approved = 您的分享请求（{ $what }）已由 { $by } 批准。请在以下时间前点击 **领取链接** 获取链接：{ $deadline }。只有您能看到该链接，其有效期从领取时开始计算。
approval-told-denied = 您的分享请求（{ $what }）已被 { $by } 拒绝。未分享任何内容。
approval-told-expired = 您的分享请求（{ $what }）已过期。未分享任何内容。

click-not-found = 此请求已不存在。
click-not-approver = 只有服务器管理员和拥有审批身份组的成员才能处理分享请求。未做任何更改。
click-own-request = 您不能批准或拒绝自己的请求，即使您是管理员也不行。未做任何更改。
click-not-requester = 只有提出请求的成员才能领取此链接。未分享任何内容。
click-approved = 您已批准该请求。已通知 { $requester }，其可在以下时间前领取链接：{ $deadline }。
click-denied = 您已拒绝该请求。已通知 { $requester }。
click-not-approved-yet = 该请求尚未获得批准。
click-claimed-already = 此链接已被领取；不会再发放第二个链接。
click-already-approved = 此请求已被批准。未做任何更改。
click-already-approved-by = 此请求已由 { $by } 批准。未做任何更改。
click-already-denied = 此请求已被拒绝。未做任何更改。
click-already-denied-by = 此请求已被 { $by } 拒绝。未做任何更改。
click-already-expired = 此请求已过期。未做任何更改。
click-expired = 此请求已过期，其按钮已失效。未分享任何内容。

sent-for-approval = 您的身份组允许的有效期最长为 { $cap }，因此您申请 { $expiry } 的请求已发送至 { $channel } 等待审批。您将在此处及通过私信收到通知；在您领取之前，不会分享任何内容。
approval-not-posted = 您的身份组允许的有效期最长为 { $cap }，因此此请求需要审批，但机器人无法在 { $channel } 中发布该请求。未分享任何内容；请告知服务器管理员。

## 在批准或领取时，按当时服务器的规则重新检查审批。
approval-ended-refused = 不再允许
approval-refused = 在批准或领取时，它已不再符合此服务器的规则。未分享任何内容。
approval-told-refused = 按此服务器当前的规则，您的分享请求（{ $what }）已无法批准。未分享任何内容。
click-no-longer-allowed = 此请求已结束：{ $why }未分享任何内容。
click-member-unknown = 机器人暂时无法通过 Discord 核实请求者的身份组；未做任何更改。请稍后再试。
click-already-refused = 此请求已结束：它已不再符合此服务器的规则。未做任何更改。
why-guild-not-enabled = 机器人已不再在此服务器中分享链接。
why-empty-allowlist = 此服务器已没有任何获准分享的身份组。
why-missing-role = { $requester } 已不再拥有获准分享的身份组。
why-above-max = 此服务器的上限现为 { $max }，短于所请求的 { $expiry }。
why-above-cap = 此服务器已不再设置审批，且 { $expiry } 超过了 { $requester } 的上限 { $cap }。
why-workspace = 该目标位于工作空间 { $workspace }，而此处现在只能分享以下工作空间中的内容：{ $workspaces }。
why-workspace-none = 此处现在不允许任何工作空间，因此无法分享任何内容（管理员可以用 `/share-admin policy show` 查看原因）。

## 审计频道：每次 `/share` 尝试一行（使用服务器语言）。
audit-post-what = { $user } `/share { $command }` { $id }
