## Approvals: the card in the approvals channel (in the server's language), what a
## click is told, and the requester's notices (in the requester's language).

approval-asks = { $requester } asks to share { $target } { $id } for **{ $expiry }**.
approval-card-title = Share request awaiting approval
approval-card-decide = Their roles allow up to { $cap }. Decide before { $deadline }.
approval-approve = Approve
approval-deny = Deny
approval-ended-approved = Approved
approval-ended-denied = Denied
approval-ended-expired = Expired
approval-ended-title = Share request: { $status }
approval-approved-by = Approved by { $by }.
approval-denied-by = Denied by { $by }.
approval-approved-not-claimed = Approved by { $by }, but not claimed in time.
approval-nobody-decided = Nobody decided in time.

approval-what = { $target } { $id } for { $expiry }
approval-claim-button = Claim link
approval-told-approved = Your request to share { $what } was approved by { $by }. Press **Claim link** before { $deadline } to get it; only you will see it, and its lifetime starts then.
approval-told-denied = Your request to share { $what } was denied by { $by }. Nothing was shared.
approval-told-expired = Your request to share { $what } expired. Nothing was shared.

click-not-found = This request no longer exists.
click-not-approver = Only server admins and holders of the approver role can decide share requests. Nothing changed.
click-own-request = You cannot approve or deny your own request, even as an admin. Nothing changed.
click-not-requester = Only the member who asked can claim this link. Nothing was shared.
click-approved = You approved it. { $requester } has been told and can claim the link until { $deadline }.
click-denied = You denied it. { $requester } has been told.
click-not-approved-yet = It has not been approved yet.
click-claimed-already = This link was claimed already; no second link is issued.
click-already-approved = This request was already approved. Nothing changed.
click-already-approved-by = This request was already approved by { $by }. Nothing changed.
click-already-denied = This request was already denied. Nothing changed.
click-already-denied-by = This request was already denied by { $by }. Nothing changed.
click-already-expired = This request was already expired. Nothing changed.
click-expired = This request expired; its buttons do nothing now. Nothing was shared.

sent-for-approval = Your roles allow up to { $cap }, so your request for { $expiry } was sent for approval in { $channel }. You will be told here and by direct message; nothing is shared until you claim it.
approval-not-posted = Your roles allow up to { $cap }, so this needs approval, but the bot could not post the request in { $channel }. Nothing was shared; please tell a server admin.

## An approval re-checked when it is approved or claimed, against the server's rules then.
approval-ended-refused = No longer allowed
approval-refused = When it was approved or claimed it no longer passed this server's rules. Nothing was shared.
approval-told-refused = Your request to share { $what } can no longer be granted under this server's current rules. Nothing was shared.
click-no-longer-allowed = This request ended: { $why } Nothing was shared.
click-member-unknown = The bot could not check the requester's roles with Discord right now; nothing changed. Please try again shortly.
click-already-refused = This request already ended: it no longer passed this server's rules. Nothing changed.
why-guild-not-enabled = the bot no longer shares links in this server.
why-empty-allowlist = no role is allowed to share in this server any more.
why-missing-role = { $requester } no longer holds a role allowed to share here.
why-above-max = this server's maximum is now { $max }, shorter than the { $expiry } asked for.
why-above-cap = approvals are no longer set up here, and { $expiry } is above { $requester }'s cap of { $cap }.
why-workspace = the target is in workspace { $workspace }, and links here can now be shared only from { $workspaces }.
why-workspace-none = no workspace is allowed here now, so nothing can be shared (an admin can see why with `/share-admin policy show`).

## The audit channel: one line per `/share` attempt (in the server's language).
audit-post-what = { $user } `/share { $command }` { $id }
