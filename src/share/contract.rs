//! The ports' contract: one set of cases, run against the in-memory fakes the core's tests use
//! and against the PostgreSQL store the bot runs on, so a fake cannot drift from the real
//! thing. Only what a port promises is checked, through the port itself. PostgreSQL's run is
//! in `store`'s tests (`postgresql_keeps_the_contract`).

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use super::ports::{
    Actor, AuditAttempt, AuditBegin, AuditCompletion, AuditLog, AuditOutcome, GuildDirectory,
    PolicyAction, RoleChange, SettingsStore,
};
use super::{
    AllowedRole, ApprovalAction, ApprovalId, ApprovalStatus, ApprovalStore, Card, ChannelId,
    ErrorCode, Expiry, GuildId, NewApproval, Opened, PolicyError, PolicySettings, RequesterReply,
    RoleId, TargetId, TargetType, Transition, UserId, WorkspaceId,
};

const GUILD: GuildId = GuildId(100);
const OTHER_GUILD: GuildId = GuildId(101);
const REQUESTER: u64 = 300;
const APPROVER: u64 = 41;

fn exp(s: &str) -> Expiry {
    s.parse().unwrap()
}

fn admin() -> Actor {
    Actor::new("1", "admin")
}

/// Roles, channels and the policy, as admins change them and `/share` reads them.
pub async fn settings_contract(store: &(impl SettingsStore + GuildDirectory)) {
    let capped = |cap: Option<&str>| AllowedRole {
        role: RoleId(11),
        max_expiry: cap.map(exp),
    };
    assert_eq!(
        store
            .set_allowed_role(GUILD, capped(None), &admin())
            .await
            .unwrap(),
        RoleChange::Added
    );
    assert_eq!(
        store
            .set_allowed_role(GUILD, capped(None), &admin())
            .await
            .unwrap(),
        RoleChange::Unchanged
    );
    assert_eq!(
        store
            .set_allowed_role(GUILD, capped(Some("2h")), &admin())
            .await
            .unwrap(),
        RoleChange::CapChanged { previous: None }
    );
    store
        .set_allowed_role(GUILD, AllowedRole::new(RoleId(12)), &admin())
        .await
        .unwrap();
    assert_eq!(
        store.allowed_roles(GUILD).await.unwrap(),
        [capped(Some("2h")), AllowedRole::new(RoleId(12))],
        "in the order they were added"
    );
    assert!(store.allowed_roles(OTHER_GUILD).await.unwrap().is_empty());
    assert!(
        store
            .remove_allowed_role(GUILD, RoleId(12), &admin())
            .await
            .unwrap()
    );
    assert!(
        !store
            .remove_allowed_role(GUILD, RoleId(12), &admin())
            .await
            .unwrap()
    );

    assert!(
        store
            .add_allowed_channel(GUILD, ChannelId(7), &admin())
            .await
            .unwrap()
    );
    assert!(
        !store
            .add_allowed_channel(GUILD, ChannelId(7), &admin())
            .await
            .unwrap()
    );
    assert!(
        store
            .add_allowed_channel(GUILD, ChannelId(8), &admin())
            .await
            .unwrap()
    );
    assert!(
        store
            .remove_allowed_channel(GUILD, ChannelId(7), &admin())
            .await
            .unwrap()
    );
    assert!(
        !store
            .remove_allowed_channel(GUILD, ChannelId(7), &admin())
            .await
            .unwrap()
    );
    assert_eq!(store.allowed_channels(GUILD).await.unwrap(), [ChannelId(8)]);

    let ws = |w: &str| WorkspaceId::parse(w).unwrap();
    assert_eq!(store.allowed_workspaces(GUILD).await.unwrap(), []);
    for (workspace, new) in [("ws-a", true), ("ws-b", true), ("ws-a", false)] {
        assert_eq!(
            store
                .add_allowed_workspace(GUILD, &ws(workspace), &admin())
                .await
                .unwrap(),
            new,
            "{workspace}"
        );
    }
    assert!(
        store
            .remove_allowed_workspace(GUILD, &ws("ws-a"), &admin())
            .await
            .unwrap()
    );
    assert!(
        !store
            .remove_allowed_workspace(GUILD, &ws("ws-a"), &admin())
            .await
            .unwrap()
    );
    assert_eq!(store.allowed_workspaces(GUILD).await.unwrap(), [ws("ws-b")]);
    assert_eq!(store.allowed_workspaces(OTHER_GUILD).await.unwrap(), []);

    assert_eq!(
        store.policy(GUILD).await.unwrap(),
        PolicySettings::default()
    );
    let set = PolicySettings {
        max_expiry: Some(exp("1d")),
        require_reason: true,
        ..PolicySettings::default()
    };
    let wanted = set.clone();
    let updated = store
        .update_policy(GUILD, &admin(), PolicyAction::Set, move |stored| {
            assert_eq!(stored, PolicySettings::default());
            Ok(wanted)
        })
        .await
        .unwrap();
    assert_eq!(updated, Ok(set.clone()));
    let refused = store
        .update_policy(GUILD, &admin(), PolicyAction::Set, |_| {
            Err(PolicyError::DefaultAboveMax {
                default: exp("2d"),
                max: exp("1d"),
            })
        })
        .await
        .unwrap();
    assert!(refused.is_err(), "a refused update writes nothing");
    assert_eq!(store.policy(GUILD).await.unwrap(), set);

    // What `/share` reads is what the admins wrote.
    let read = store.settings(GUILD).await.unwrap();
    assert_eq!(read.allowed_roles, [capped(Some("2h"))]);
    assert_eq!(read.allowed_channels, [ChannelId(8)]);
    assert_eq!(
        read.allowed_workspaces,
        [WorkspaceId::parse("ws-b").unwrap()]
    );
    assert_eq!(read.policy, set);
    assert_eq!(
        store.settings(OTHER_GUILD).await.unwrap(),
        Default::default()
    );
}

fn attempt(id: &str) -> AuditAttempt {
    AuditAttempt {
        interaction_id: id.to_owned(),
        guild_id: Some(GUILD),
        channel_id: Some(ChannelId(200)),
        user_id: REQUESTER.to_string(),
        user_name: "member".into(),
        target_type: TargetType::Job,
        target_id: "dlc-1".into(),
        requested_expire_seconds: Some(172_800),
        expire_seconds: None,
        reason: Some("weekend".into()),
        // A hostile name is data: stored as it came.
        target_name: Some("**train** <@&1> \u{202e}".into()),
        workspace_id: Some("1001".into()),
    }
}

fn completion(outcome: AuditOutcome, code: Option<ErrorCode>) -> AuditCompletion {
    AuditCompletion {
        outcome,
        error_code: code,
        request_id: None,
        latency_ms: 1,
        token_sha256: None,
        expire_seconds: None,
    }
}

/// The write-ahead row: begun once, completed once, a replay never begins again.
pub async fn audit_contract(store: &impl AuditLog) {
    assert_eq!(
        store.begin(&attempt("c1")).await.unwrap(),
        AuditBegin::Started
    );
    assert_eq!(
        store.begin(&attempt("c1")).await.unwrap(),
        AuditBegin::Replayed
    );
    let issued = completion(AuditOutcome::Issued, None);
    store.complete("c1", &issued).await.unwrap();
    assert!(
        store.complete("c1", &issued).await.is_err(),
        "completed once"
    );
    assert!(store.complete("c-unknown", &issued).await.is_err());
    let refused = completion(AuditOutcome::DeniedRole, Some(ErrorCode::MissingRole));
    assert_eq!(
        store.record(&attempt("c2"), &refused).await.unwrap(),
        AuditBegin::Started
    );
    assert_eq!(
        store.record(&attempt("c2"), &refused).await.unwrap(),
        AuditBegin::Replayed
    );
    assert_eq!(
        store.begin(&attempt("c2")).await.unwrap(),
        AuditBegin::Replayed
    );
    let outside = completion(
        AuditOutcome::DeniedWorkspace,
        Some(ErrorCode::WorkspaceNotAllowed),
    );
    assert_eq!(
        store.record(&attempt("c3"), &outside).await.unwrap(),
        AuditBegin::Started,
        "denied_workspace is an outcome the log accepts"
    );
}

async fn open(store: &impl ApprovalStore, id: &str) -> ApprovalId {
    let new = NewApproval {
        target_id: TargetId::parse("dlc-1").unwrap(),
        expiry: exp("2d"),
        timeout: Duration::from_secs(3_600),
    };
    match store.open_approval(&attempt(id), &new).await.unwrap() {
        Opened::Started(a) => {
            assert_eq!(a.status, ApprovalStatus::Pending);
            assert_eq!(a.requester, UserId(REQUESTER));
            assert_eq!(a.expiry, exp("2d"));
            // What the look-up found comes back with the approval, for its card and re-checks.
            assert_eq!(a.target_name, attempt(id).target_name);
            assert_eq!(a.workspace_id.as_deref(), Some("1001"));
            a.id
        }
        Opened::Replayed => panic!("{id} opened twice"),
    }
}

fn status(t: &Transition) -> Option<ApprovalStatus> {
    match t {
        Transition::Won(a) | Transition::Lost(a) | Transition::Expired(a) => Some(a.status),
        Transition::NotFound => None,
    }
}

/// Approvals: every transition once, only from the state it starts from; the card and the
/// requester's reply kept, and the reply's token handed out once.
pub async fn approvals_contract(store: &(impl AuditLog + ApprovalStore)) {
    let approver = Actor::new(APPROVER.to_string(), "approver");
    let id = open(store, "a1").await;
    let read = store.approval(id).await.unwrap().expect("the approval");
    assert_eq!(read.workspace_id.as_deref(), Some("1001"), "read back");
    let new = NewApproval {
        target_id: TargetId::parse("dlc-1").unwrap(),
        expiry: exp("2d"),
        timeout: Duration::from_secs(3_600),
    };
    assert_eq!(
        store.open_approval(&attempt("a1"), &new).await.unwrap(),
        Opened::Replayed
    );
    let early = store.claim(id, UserId(REQUESTER)).await.unwrap();
    assert!(matches!(early, Transition::Lost(_)), "{early:?}");

    let approved = store
        .decide(id, true, &approver, Duration::from_secs(3_600))
        .await
        .unwrap();
    assert!(
        matches!(&approved, Transition::Won(a) if a.status == ApprovalStatus::Approved && a.decided_by == Some(UserId(APPROVER))),
        "{approved:?}"
    );
    let again = store
        .decide(id, false, &approver, Duration::from_secs(3_600))
        .await
        .unwrap();
    assert!(matches!(again, Transition::Lost(_)), "{again:?}");
    let not_theirs = store.claim(id, UserId(999)).await.unwrap();
    assert!(matches!(not_theirs, Transition::Lost(_)), "{not_theirs:?}");
    let claimed = store.claim(id, UserId(REQUESTER)).await.unwrap();
    assert_eq!(status(&claimed), Some(ApprovalStatus::Claimed));
    assert!(matches!(claimed, Transition::Won(_)));
    // The claim put the row back to pending for the GetToken call: it completes once.
    store
        .complete("a1", &completion(AuditOutcome::Issued, None))
        .await
        .unwrap();
    let twice = store.claim(id, UserId(REQUESTER)).await.unwrap();
    assert!(matches!(twice, Transition::Lost(_)), "{twice:?}");

    let denied = open(store, "a2").await;
    let t = store
        .decide(denied, false, &approver, Duration::from_secs(3_600))
        .await
        .unwrap();
    assert!(
        matches!(&t, Transition::Won(a) if a.status == ApprovalStatus::Denied),
        "{t:?}"
    );

    let refused = open(store, "a3").await;
    let t = store
        .refuse(
            refused,
            ApprovalStatus::Approved,
            &approver,
            AuditOutcome::DeniedRole,
            ErrorCode::MissingRole,
        )
        .await
        .unwrap();
    assert!(matches!(t, Transition::Lost(_)), "not approved yet: {t:?}");
    let t = store
        .refuse(
            refused,
            ApprovalStatus::Pending,
            &approver,
            AuditOutcome::DeniedRole,
            ErrorCode::MissingRole,
        )
        .await
        .unwrap();
    assert!(
        matches!(&t, Transition::Won(a) if a.status == ApprovalStatus::Refused && a.decided_by == Some(UserId(APPROVER))),
        "{t:?}"
    );
    let t = store
        .decide(refused, true, &approver, Duration::from_secs(3_600))
        .await
        .unwrap();
    assert_eq!(status(&t), Some(ApprovalStatus::Refused));

    let carded = open(store, "a4").await;
    assert_eq!(store.card(carded).await.unwrap(), None);
    let card = Card {
        channel: ChannelId(77),
        message: 88,
        locale: Some("ja".into()),
    };
    let reply = RequesterReply {
        token: SecretString::from("interaction-token"),
        locale: Some("zh-TW".into()),
    };
    store.attach_card(carded, &card, &reply).await.unwrap();
    assert_eq!(store.card(carded).await.unwrap(), Some(card.clone()));
    let notice = store.take_decision_notice(carded).await.unwrap();
    assert_eq!(notice.card, Some(card.clone()));
    assert_eq!(notice.requester_locale.as_deref(), Some("zh-TW"));
    assert_eq!(
        notice
            .requester_token
            .as_ref()
            .map(|t| t.expose_secret().to_owned()),
        Some("interaction-token".to_owned())
    );
    let again = store.take_decision_notice(carded).await.unwrap();
    assert!(again.requester_token.is_none(), "handed out once");
    assert_eq!(again.card, Some(card));

    let cardless = open(store, "a5").await;
    store.abandon(cardless).await.unwrap();
    let ended = store.approval(cardless).await.unwrap().unwrap();
    assert_eq!(ended.status, ApprovalStatus::Expired);
    assert!(matches!(
        store
            .decide(cardless, true, &approver, Duration::from_secs(3_600))
            .await
            .unwrap(),
        Transition::Expired(_) | Transition::Lost(_)
    ));
    assert_eq!(store.approval(ApprovalId(987_654)).await.unwrap(), None);
    store
        .record_event(id, &approver, ApprovalAction::Approve, "approved")
        .await
        .unwrap();
}

/// The same cases run against PostgreSQL in `store`'s tests.
#[tokio::test]
async fn the_fakes_keep_the_contract() {
    use super::fakes::{FakeAudit, FakeSettings};
    settings_contract(&FakeSettings::default()).await;
    audit_contract(&FakeAudit::default()).await;
    approvals_contract(&FakeAudit::default()).await;
}
