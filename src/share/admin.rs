//! `/share-admin` as decisions over the settings port: who may run it, what each command
//! changes, and what it answers — as data. The Discord adapter parses the options into an
//! [`AdminCommand`] and renders the [`AdminOutcome`]; the store records every change with its
//! actor.

use std::sync::Arc;

use super::explain::{Explanation, TargetCheck, explain};
use super::lookup::{LookupError, TargetLookup, TargetVerdict, judge};
use super::ports::{
    Actor, AuditEntry, GuildDirectory, Limiter, PolicyAction, RoleChange, SettingsStore,
    StorageError,
};
use super::{
    AdminPermissions, AllowedRole, ChannelId, ChannelPlace, Expiry, ExpiryError, GuildId,
    GuildPolicy, Operator, PolicyChange, PolicyError, PolicySetting, PolicySettings, RoleId,
    TargetId, TargetIdError, TargetType, UserId, WorkspaceId, WorkspaceIdError, WorkspaceRule,
    is_admin,
};

/// Most rows `/share-admin audit` lists, whatever was asked.
pub const AUDIT_MAX_LIMIT: i64 = 25;

/// The member `/share-admin explain` asks about, as the interaction resolved them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExplainTarget {
    pub user: UserId,
    /// Their roles, `@everyone` included; `None` when they are not a member of the guild.
    pub roles: Option<Vec<RoleId>>,
    /// The channel asked about, or the admin's own.
    pub place: Option<ChannelPlace>,
}

/// One admin command, its options still as typed where the core validates them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminCommand {
    RolesAdd {
        role: RoleId,
        max_expiry: Option<String>,
    },
    RolesRemove {
        role: RoleId,
    },
    RolesList,
    ChannelsAdd {
        channel: ChannelId,
    },
    ChannelsRemove {
        channel: ChannelId,
    },
    ChannelsList,
    /// As typed: checked by the core (a workspace id, within the operator's list).
    WorkspacesAdd {
        workspace: String,
    },
    WorkspacesRemove {
        workspace: String,
    },
    WorkspacesList,
    PolicyShow,
    PolicySet {
        default_expiry: Option<String>,
        max_expiry: Option<String>,
        require_reason: Option<bool>,
        audit_channel: Option<ChannelId>,
        approvals_channel: Option<ChannelId>,
        approver_role: Option<RoleId>,
    },
    PolicyClear {
        setting: String,
    },
    Audit {
        user: Option<UserId>,
        limit: i64,
    },
    Explain {
        target: ExplainTarget,
        expiry: Option<String>,
        /// A job or TensorBoard id, as typed: then the dry run also looks it up.
        id: Option<String>,
    },
}

/// Who runs the command: the member as the interaction describes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminCaller {
    pub actor: Actor,
    pub permissions: AdminPermissions,
    /// The member's roles, `@everyone` included.
    pub roles: Vec<RoleId>,
}

/// Why an admin's change was not made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdminRefusal {
    #[error(
        "give at least one setting: `default_expiry`, `max_expiry`, `require_reason`, `audit_channel`, `approvals_channel` or `approver_role`"
    )]
    NothingToSet,
    #[error("`{option}`: {source}")]
    Expiry {
        option: &'static str,
        #[source]
        source: ExpiryError,
    },
    #[error("{0}")]
    Policy(#[from] PolicyError),
    #[error(
        "`{0}` is not a setting; choose one of default_expiry, max_expiry, require_reason, audit_channel, approvals_channel, approver_role"
    )]
    UnknownSetting(String),
    #[error("that user is not a member of this server")]
    NotAMember,
    #[error("`{raw}` is not a job or TensorBoard id: {error}")]
    TargetId {
        raw: String,
        #[source]
        error: TargetIdError,
    },
    #[error("`{raw}` is not a workspace id: {error}")]
    Workspace {
        raw: String,
        #[source]
        error: WorkspaceIdError,
    },
    /// The operator's `aliyun.workspaces` does not list it: a guild may only narrow that list.
    #[error("workspace `{workspace}` is outside the bot's workspaces")]
    WorkspaceOutside {
        workspace: WorkspaceId,
        allowed: Vec<WorkspaceId>,
    },
    /// `aliyun.lookup` is off: a workspace rule could never be checked.
    #[error("targets are not looked up, so no workspace rule can be enforced")]
    LookupOff,
}

/// A guild's policy as `policy show` lists it: what is in force, what the admins stored (unset
/// values come from the bot's configuration), and the configuration's own values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyView {
    pub effective: GuildPolicy,
    pub stored: PolicySettings,
    pub configured: GuildPolicy,
    /// `aliyun.lookup`: whether targets are looked up at all.
    pub lookup: bool,
    /// The workspace rule in force: the guild's list with the operator's, shown beside the
    /// policy so admins see which workspaces links can come from.
    pub workspaces: WorkspaceRule,
}

/// Every way an admin command ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminOutcome {
    /// The guild is not one this deployment serves.
    GuildNotEnabled,
    /// The caller is not a guild admin (re-checked: guilds can override command permissions).
    NotAdmin,
    RoleAdded {
        role: AllowedRole,
        change: RoleChange,
        /// The cap in force for the role now.
        cap: Expiry,
    },
    RoleRemoved {
        role: RoleId,
        /// `false` when it was not allowed (nothing recorded).
        changed: bool,
        /// No role is allowed any more: nobody can share.
        none_left: bool,
    },
    /// Each allowed role with the cap in force.
    Roles(Vec<(AllowedRole, Expiry)>),
    ChannelAdded {
        channel: ChannelId,
        /// `false` when it was listed already (nothing recorded).
        changed: bool,
    },
    ChannelRemoved {
        channel: ChannelId,
        changed: bool,
        /// No channel is listed any more: `/share` works in every channel.
        none_left: bool,
    },
    Channels(Vec<ChannelId>),
    WorkspaceAdded {
        workspace: WorkspaceId,
        /// `false` when it was listed already (nothing recorded).
        changed: bool,
    },
    WorkspaceRemoved {
        workspace: WorkspaceId,
        changed: bool,
        /// No workspace is listed any more: the operator's rule alone applies.
        none_left: bool,
    },
    /// The guild's list and the rule in force (with the operator's).
    Workspaces {
        listed: Vec<WorkspaceId>,
        rule: WorkspaceRule,
    },
    Policy(PolicyView),
    PolicyUpdated(PolicyView),
    PolicyCleared {
        setting: PolicySetting,
        view: PolicyView,
    },
    Refused(AdminRefusal),
    Audit(Vec<AuditEntry>),
    Explained {
        user: UserId,
        explanation: Box<Explanation>,
    },
    /// The settings could not be read or written; nothing was changed.
    StorageUnavailable,
}

impl AdminOutcome {
    /// The metrics label.
    pub fn label(&self) -> &'static str {
        match self {
            AdminOutcome::GuildNotEnabled | AdminOutcome::NotAdmin => "denied_role",
            AdminOutcome::Refused(_) => "invalid_input",
            AdminOutcome::StorageUnavailable => "error",
            _ => "ok",
        }
    }
}

/// `/share-admin` for chat requests.
pub struct AdminService<S, L, T> {
    pub store: S,
    /// Which guilds are served, who counts as admin, and the policy that bounds what admins
    /// may set.
    pub operator: Arc<Operator>,
    /// The `/share` limits, read (never used up) by `explain`.
    pub limits: L,
    /// GetJob / GetTensorboard, for `explain` with an id.
    pub lookup: T,
}

impl<S: SettingsStore + GuildDirectory, L: Limiter, T: TargetLookup> AdminService<S, L, T> {
    /// The longest expiry `guild` allows now (its policy within the operator's ceiling), for
    /// suggestions: when the policy cannot be read, the operator's ceiling.
    pub async fn guild_max_expiry(&self, guild: GuildId) -> Expiry {
        let stored = self.store.policy(guild).await.unwrap_or_default();
        self.operator.effective_policy(&stored).max_expiry()
    }

    pub async fn run(
        &self,
        guild: GuildId,
        caller: &AdminCaller,
        command: &AdminCommand,
    ) -> AdminOutcome {
        if !self.operator.serves(guild) {
            return AdminOutcome::GuildNotEnabled;
        }
        if !is_admin(
            caller.permissions,
            &caller.roles,
            &self.operator.admin_roles,
        ) {
            tracing::warn!(
                actor = caller.actor.id,
                "a non-admin called an admin command"
            );
            return AdminOutcome::NotAdmin;
        }
        match self.execute(guild, &caller.actor, command).await {
            Ok(outcome) => outcome,
            Err(e) => {
                tracing::warn!(error = %e, "admin command failed on the settings store");
                AdminOutcome::StorageUnavailable
            }
        }
    }

    async fn execute(
        &self,
        guild: GuildId,
        actor: &Actor,
        command: &AdminCommand,
    ) -> Result<AdminOutcome, StorageError> {
        Ok(match command {
            AdminCommand::RolesAdd { role, max_expiry } => {
                let policy = self.policy(guild).await?;
                let max_expiry = match parse_expiry("max_expiry", max_expiry, policy.max_expiry()) {
                    Ok(cap) => cap,
                    Err(refusal) => return Ok(AdminOutcome::Refused(refusal)),
                };
                let role = AllowedRole {
                    role: *role,
                    max_expiry,
                };
                AdminOutcome::RoleAdded {
                    role,
                    change: self.store.set_allowed_role(guild, role, actor).await?,
                    cap: role.cap(policy),
                }
            }
            AdminCommand::RolesRemove { role } => {
                let changed = self.store.remove_allowed_role(guild, *role, actor).await?;
                let none_left = self.store.allowed_roles(guild).await?.is_empty();
                AdminOutcome::RoleRemoved {
                    role: *role,
                    changed,
                    none_left,
                }
            }
            AdminCommand::RolesList => {
                let policy = self.policy(guild).await?;
                let roles = self.store.allowed_roles(guild).await?;
                AdminOutcome::Roles(roles.into_iter().map(|r| (r, r.cap(policy))).collect())
            }
            AdminCommand::ChannelsAdd { channel } => AdminOutcome::ChannelAdded {
                channel: *channel,
                changed: self
                    .store
                    .add_allowed_channel(guild, *channel, actor)
                    .await?,
            },
            AdminCommand::ChannelsRemove { channel } => {
                let changed = self
                    .store
                    .remove_allowed_channel(guild, *channel, actor)
                    .await?;
                let none_left = self.store.allowed_channels(guild).await?.is_empty();
                AdminOutcome::ChannelRemoved {
                    channel: *channel,
                    changed,
                    none_left,
                }
            }
            AdminCommand::ChannelsList => {
                AdminOutcome::Channels(self.store.allowed_channels(guild).await?)
            }
            AdminCommand::WorkspacesAdd { workspace } => {
                let workspace = match self.listable_workspace(workspace) {
                    Ok(w) => w,
                    Err(refusal) => return Ok(AdminOutcome::Refused(refusal)),
                };
                let changed = self
                    .store
                    .add_allowed_workspace(guild, &workspace, actor)
                    .await?;
                AdminOutcome::WorkspaceAdded { workspace, changed }
            }
            AdminCommand::WorkspacesRemove { workspace: raw } => {
                // Removing only narrows nothing further: no operator check, so a workspace the
                // operator has since dropped can still be taken off the list.
                let workspace = match WorkspaceId::parse(raw) {
                    Ok(w) => w,
                    Err(error) => {
                        return Ok(AdminOutcome::Refused(AdminRefusal::Workspace {
                            raw: raw.clone(),
                            error,
                        }));
                    }
                };
                let changed = self
                    .store
                    .remove_allowed_workspace(guild, &workspace, actor)
                    .await?;
                let none_left = self.store.allowed_workspaces(guild).await?.is_empty();
                AdminOutcome::WorkspaceRemoved {
                    workspace,
                    changed,
                    none_left,
                }
            }
            AdminCommand::WorkspacesList => {
                let listed = self.store.allowed_workspaces(guild).await?;
                let rule = self.operator.targets.for_guild(&listed);
                AdminOutcome::Workspaces { listed, rule }
            }
            AdminCommand::PolicyShow => {
                AdminOutcome::Policy(self.view(guild, self.store.policy(guild).await?).await?)
            }
            AdminCommand::PolicySet {
                default_expiry,
                max_expiry,
                require_reason,
                audit_channel,
                approvals_channel,
                approver_role,
            } => {
                let others = PolicyChange {
                    require_reason: *require_reason,
                    audit_channel: *audit_channel,
                    approvals_channel: *approvals_channel,
                    approver_role: *approver_role,
                    ..PolicyChange::default()
                };
                let change = match self.parse_change(default_expiry, max_expiry, others) {
                    Ok(change) => change,
                    Err(refusal) => return Ok(AdminOutcome::Refused(refusal)),
                };
                let ceiling = self.operator.policy.max_expiry();
                // Merged with the stored policy inside the store's serial step: a concurrent
                // change by another admin is never silently overwritten.
                let merge = move |stored: PolicySettings| stored.updated(&change, ceiling);
                match self
                    .store
                    .update_policy(guild, actor, PolicyAction::Set, merge)
                    .await?
                {
                    Ok(updated) => AdminOutcome::PolicyUpdated(self.view(guild, updated).await?),
                    Err(e) => AdminOutcome::Refused(AdminRefusal::Policy(e)),
                }
            }
            AdminCommand::PolicyClear { setting } => {
                let Some(setting) = PolicySetting::parse(setting.trim()) else {
                    return Ok(AdminOutcome::Refused(AdminRefusal::UnknownSetting(
                        setting.clone(),
                    )));
                };
                let clear = move |stored: PolicySettings| Ok(stored.cleared(setting));
                match self
                    .store
                    .update_policy(guild, actor, PolicyAction::Clear, clear)
                    .await?
                {
                    Ok(updated) => AdminOutcome::PolicyCleared {
                        setting,
                        view: self.view(guild, updated).await?,
                    },
                    Err(e) => AdminOutcome::Refused(AdminRefusal::Policy(e)),
                }
            }
            AdminCommand::Audit { user, limit } => AdminOutcome::Audit(
                self.store
                    .recent_attempts(guild, *user, (*limit).clamp(1, AUDIT_MAX_LIMIT))
                    .await?,
            ),
            AdminCommand::Explain { target, expiry, id } => {
                let Some(roles) = &target.roles else {
                    return Ok(AdminOutcome::Refused(AdminRefusal::NotAMember));
                };
                let id = match id.as_deref().map(TargetId::parse).transpose() {
                    Ok(id) => id,
                    Err(error) => {
                        return Ok(AdminOutcome::Refused(AdminRefusal::TargetId {
                            raw: id.clone().unwrap_or_default(),
                            error,
                        }));
                    }
                };
                let settings = self.store.settings(guild).await?;
                let policy = self.operator.effective_policy(&settings.policy);
                let remaining = match self.limits.remaining(guild, target.user).await {
                    Ok(r) => Some(r),
                    Err(e) => {
                        tracing::warn!(error = %e, "explain: the rate limit cannot be read");
                        None
                    }
                };
                let mut explanation = explain(
                    &settings,
                    policy,
                    roles,
                    target.place,
                    expiry.as_deref(),
                    remaining,
                );
                let rule = self
                    .operator
                    .targets
                    .for_guild(&settings.allowed_workspaces);
                if let Some(id) = id {
                    explanation.target = Some(self.check_target(id, &rule).await);
                }
                explanation.workspaces = Some((self.operator.targets.lookup, rule));
                AdminOutcome::Explained {
                    user: target.user,
                    explanation: Box::new(explanation),
                }
            }
        })
    }

    /// What `/share` would make of `id` under `rule`, by the same [`judge`]. `explain` names no
    /// type, so a job is looked up first and a TensorBoard only when no job has that id.
    async fn check_target(&self, id: TargetId, rule: &WorkspaceRule) -> TargetCheck {
        if !self.operator.targets.lookup {
            return TargetCheck {
                id,
                looked_up_as: None,
                verdict: judge(rule, None),
            };
        }
        for target_type in [TargetType::Job, TargetType::Tensorboard] {
            match self.lookup.look_up(target_type, &id).await {
                Err(LookupError::NotFound) => continue,
                looked => {
                    return TargetCheck {
                        id,
                        looked_up_as: Some(target_type),
                        verdict: judge(rule, Some(looked)),
                    };
                }
            }
        }
        TargetCheck {
            id,
            looked_up_as: None,
            verdict: TargetVerdict::NotFound,
        }
    }

    async fn policy(&self, guild: GuildId) -> Result<GuildPolicy, StorageError> {
        let stored = self.store.policy(guild).await?;
        Ok(self.operator.effective_policy(&stored))
    }

    /// A workspace an admin may list: a workspace id, within the operator's list when there
    /// is one, and only while targets are looked up (else the rule could never be checked).
    fn listable_workspace(&self, raw: &str) -> Result<WorkspaceId, AdminRefusal> {
        let targets = &self.operator.targets;
        if !targets.lookup {
            return Err(AdminRefusal::LookupOff);
        }
        let workspace = WorkspaceId::parse(raw).map_err(|error| AdminRefusal::Workspace {
            raw: raw.to_owned(),
            error,
        })?;
        if targets.restricts() && !targets.allows(&workspace) {
            return Err(AdminRefusal::WorkspaceOutside {
                workspace,
                allowed: targets.workspaces.clone(),
            });
        }
        Ok(workspace)
    }

    async fn view(
        &self,
        guild: GuildId,
        stored: PolicySettings,
    ) -> Result<PolicyView, StorageError> {
        let listed = self.store.allowed_workspaces(guild).await?;
        Ok(PolicyView {
            effective: self.operator.effective_policy(&stored),
            stored,
            configured: self.operator.policy,
            lookup: self.operator.targets.lookup,
            workspaces: self.operator.targets.for_guild(&listed),
        })
    }

    /// Admins choose within the operator's ceiling (`share.max_expiry`), not above it.
    fn parse_change(
        &self,
        default_expiry: &Option<String>,
        max_expiry: &Option<String>,
        others: PolicyChange,
    ) -> Result<PolicyChange, AdminRefusal> {
        let ceiling = self.operator.policy.max_expiry();
        let change = PolicyChange {
            default_expiry: parse_expiry("default_expiry", default_expiry, ceiling)?,
            max_expiry: parse_expiry("max_expiry", max_expiry, ceiling)?,
            ..others
        };
        if change.is_empty() {
            return Err(AdminRefusal::NothingToSet);
        }
        Ok(change)
    }
}

fn parse_expiry(
    option: &'static str,
    raw: &Option<String>,
    max: Expiry,
) -> Result<Option<Expiry>, AdminRefusal> {
    raw.as_deref()
        .map(|r| Expiry::parse(r, max))
        .transpose()
        .map_err(|source| AdminRefusal::Expiry { option, source })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::sync::atomic::Ordering;

    use super::*;
    use crate::share::fakes::{FakeLimiter, FakeLookup, FakeSettings};
    use crate::share::ports::{IssueFailure, IssueFailureKind};
    use crate::share::{
        ChannelDecision, Denial, ExpiryError, ExpiryVerdict, GuildScope, Refusal, Remaining,
        TargetDetails, TargetRule, UserId,
    };

    const GUILD: GuildId = GuildId(10);
    const ROLE: RoleId = RoleId(20);
    const ADMIN_ROLE: RoleId = RoleId(30);
    const ROOM: ChannelId = ChannelId(40);

    fn expiry(s: &str) -> Expiry {
        Expiry::parse(s, Expiry::HARD_MAX).unwrap()
    }

    fn policy(default: &str, max: &str) -> GuildPolicy {
        GuildPolicy::new(expiry(default), expiry(max)).unwrap()
    }

    type Service = AdminService<FakeSettings, FakeLimiter, FakeLookup>;

    fn service() -> Service {
        service_with_targets(TargetRule::look_up_any())
    }

    fn service_with_targets(targets: TargetRule) -> Service {
        AdminService {
            store: FakeSettings::default(),
            operator: Arc::new(Operator {
                served: GuildScope::Listed(BTreeSet::from([GUILD])),
                policy: policy("1d", "3d"),
                admin_roles: vec![ADMIN_ROLE],
                approval_timeout: std::time::Duration::from_secs(3_600),
                targets,
            }),
            limits: FakeLimiter::default(),
            lookup: FakeLookup::default(),
        }
    }

    fn manager() -> AdminCaller {
        AdminCaller {
            actor: Actor::new("7", "admin"),
            permissions: AdminPermissions {
                administrator: false,
                manage_guild: true,
            },
            roles: vec![],
        }
    }

    async fn run(svc: &Service, command: AdminCommand) -> AdminOutcome {
        svc.run(GUILD, &manager(), &command).await
    }

    fn set(default: Option<&str>, max: Option<&str>) -> AdminCommand {
        AdminCommand::PolicySet {
            default_expiry: default.map(str::to_owned),
            max_expiry: max.map(str::to_owned),
            require_reason: None,
            audit_channel: None,
            approvals_channel: None,
            approver_role: None,
        }
    }

    fn add(role: RoleId, cap: Option<&str>) -> AdminCommand {
        AdminCommand::RolesAdd {
            role,
            max_expiry: cap.map(str::to_owned),
        }
    }

    fn changes(svc: &Service) -> Vec<String> {
        svc.store
            .changes
            .lock()
            .unwrap()
            .iter()
            .map(|(_, actor, what)| format!("{actor}: {what}"))
            .collect()
    }

    fn store_policy(svc: &Service, default: Option<&str>, max: Option<&str>) {
        svc.store.edit(GUILD, |g| {
            g.policy.default_expiry = default.map(expiry);
            g.policy.max_expiry = max.map(expiry);
        });
    }

    #[tokio::test]
    async fn only_admins_of_served_guilds_run_anything() {
        let svc = service();
        let member = AdminCaller {
            permissions: AdminPermissions::default(),
            roles: vec![ROLE],
            ..manager()
        };
        let add = add(ROLE, None);
        assert_eq!(svc.run(GUILD, &member, &add).await, AdminOutcome::NotAdmin);
        assert_eq!(
            svc.run(GuildId(99), &manager(), &add).await,
            AdminOutcome::GuildNotEnabled,
            "a foreign guild's admin is nobody here"
        );
        assert!(changes(&svc).is_empty());
        for caller in [
            manager(),
            AdminCaller {
                permissions: AdminPermissions {
                    administrator: true,
                    manage_guild: false,
                },
                ..manager()
            },
            AdminCaller {
                permissions: AdminPermissions::default(),
                roles: vec![ADMIN_ROLE],
                ..manager()
            },
        ] {
            assert_ne!(
                svc.run(GUILD, &caller, &AdminCommand::RolesList).await,
                AdminOutcome::NotAdmin,
                "{caller:?}"
            );
        }
    }

    #[tokio::test]
    async fn roles_are_added_once_removed_once_and_listed() {
        let svc = service();
        let remove = AdminCommand::RolesRemove { role: ROLE };
        let added = run(&svc, add(ROLE, None)).await;
        assert_eq!(
            added,
            AdminOutcome::RoleAdded {
                role: AllowedRole::new(ROLE),
                change: RoleChange::Added,
                cap: expiry("3d"),
            }
        );
        let again = run(&svc, add(ROLE, None)).await;
        assert!(
            matches!(
                again,
                AdminOutcome::RoleAdded {
                    change: RoleChange::Unchanged,
                    ..
                }
            ),
            "{again:?}"
        );
        assert_eq!(
            run(&svc, AdminCommand::RolesList).await,
            AdminOutcome::Roles(vec![(AllowedRole::new(ROLE), expiry("3d"))])
        );
        assert_eq!(
            run(&svc, remove.clone()).await,
            AdminOutcome::RoleRemoved {
                role: ROLE,
                changed: true,
                none_left: true
            }
        );
        assert_eq!(
            run(&svc, remove).await,
            AdminOutcome::RoleRemoved {
                role: ROLE,
                changed: false,
                none_left: true
            }
        );
        assert_eq!(
            changes(&svc),
            ["7: role_add 20 ", "7: role_remove 20"],
            "only real changes are recorded, with their actor"
        );
    }

    fn with_targets(lookup: bool, workspaces: &[&str]) -> Service {
        let mut svc = service();
        let mut operator = (*svc.operator).clone();
        operator.targets = crate::share::TargetRule {
            lookup,
            workspaces: workspaces
                .iter()
                .map(|w| WorkspaceId::parse(w).unwrap())
                .collect(),
        };
        svc.operator = Arc::new(operator);
        svc
    }

    fn ws(w: &str) -> WorkspaceId {
        WorkspaceId::parse(w).unwrap()
    }

    #[tokio::test]
    async fn workspaces_are_listed_within_the_operators_and_every_change_is_recorded() {
        let svc = with_targets(true, &["ws-a", "ws-b"]);
        let add = |w: &str| AdminCommand::WorkspacesAdd {
            workspace: w.into(),
        };
        assert_eq!(
            run(&svc, add("ws-a")).await,
            AdminOutcome::WorkspaceAdded {
                workspace: ws("ws-a"),
                changed: true
            }
        );
        assert_eq!(
            run(&svc, add("ws-a")).await,
            AdminOutcome::WorkspaceAdded {
                workspace: ws("ws-a"),
                changed: false
            }
        );
        assert_eq!(
            run(&svc, add("ws-c")).await,
            AdminOutcome::Refused(AdminRefusal::WorkspaceOutside {
                workspace: ws("ws-c"),
                allowed: vec![ws("ws-a"), ws("ws-b")],
            }),
            "a guild may narrow the operator's list, never widen it"
        );
        assert!(matches!(
            run(&svc, add("<@&1>")).await,
            AdminOutcome::Refused(AdminRefusal::Workspace { .. })
        ));
        assert_eq!(
            run(&svc, AdminCommand::WorkspacesList).await,
            AdminOutcome::Workspaces {
                listed: vec![ws("ws-a")],
                rule: WorkspaceRule::Only(vec![ws("ws-a")]),
            }
        );
        let remove = AdminCommand::WorkspacesRemove {
            workspace: "ws-a".into(),
        };
        assert_eq!(
            run(&svc, remove.clone()).await,
            AdminOutcome::WorkspaceRemoved {
                workspace: ws("ws-a"),
                changed: true,
                none_left: true
            }
        );
        assert_eq!(
            run(&svc, remove).await,
            AdminOutcome::WorkspaceRemoved {
                workspace: ws("ws-a"),
                changed: false,
                none_left: true
            }
        );
        assert_eq!(
            run(&svc, AdminCommand::WorkspacesList).await,
            AdminOutcome::Workspaces {
                listed: vec![],
                rule: WorkspaceRule::Only(vec![ws("ws-a"), ws("ws-b")]),
            },
            "the operator's rule alone"
        );
        assert_eq!(
            changes(&svc),
            ["7: workspace_add ws-a", "7: workspace_remove ws-a"],
            "only real changes are recorded, with their actor"
        );
    }

    #[tokio::test]
    async fn without_the_look_up_no_workspace_can_be_listed() {
        let svc = with_targets(false, &[]);
        let added = run(
            &svc,
            AdminCommand::WorkspacesAdd {
                workspace: "ws-a".into(),
            },
        )
        .await;
        assert_eq!(added, AdminOutcome::Refused(AdminRefusal::LookupOff));
        assert!(changes(&svc).is_empty());
        // Without an operator list any workspace id may be listed.
        let svc = with_targets(true, &[]);
        let added = run(
            &svc,
            AdminCommand::WorkspacesAdd {
                workspace: "ws-z".into(),
            },
        )
        .await;
        assert!(matches!(
            added,
            AdminOutcome::WorkspaceAdded { changed: true, .. }
        ));
    }

    #[tokio::test]
    async fn a_role_cap_is_set_changed_and_bounded_by_the_guild_maximum() {
        let svc = service();
        store_policy(&svc, None, Some("2d"));
        let capped = run(&svc, add(ROLE, Some("12h"))).await;
        assert_eq!(
            capped,
            AdminOutcome::RoleAdded {
                role: AllowedRole {
                    role: ROLE,
                    max_expiry: Some(expiry("12h"))
                },
                change: RoleChange::Added,
                cap: expiry("12h"),
            }
        );
        let raised = run(&svc, add(ROLE, Some("1d"))).await;
        assert!(
            matches!(
                raised,
                AdminOutcome::RoleAdded {
                    change: RoleChange::CapChanged { previous: Some(p) },
                    cap,
                    ..
                } if p == expiry("12h") && cap == expiry("1d")
            ),
            "{raised:?}"
        );
        // Re-adding without a cap states the role is capped by the guild maximum only.
        let lifted = run(&svc, add(ROLE, None)).await;
        assert!(
            matches!(
                lifted,
                AdminOutcome::RoleAdded {
                    change: RoleChange::CapChanged { .. },
                    cap,
                    ..
                } if cap == expiry("2d")
            ),
            "{lifted:?}"
        );
        let above = run(&svc, add(RoleId(21), Some("3d"))).await;
        assert!(
            matches!(
                &above,
                AdminOutcome::Refused(AdminRefusal::Expiry {
                    option: "max_expiry",
                    source: ExpiryError::TooLong { .. }
                })
            ),
            "above the guild's 2d: {above:?}"
        );
        let junk = run(&svc, add(RoleId(21), Some("lots"))).await;
        assert!(matches!(junk, AdminOutcome::Refused(_)), "{junk:?}");
        assert_eq!(
            changes(&svc),
            ["7: role_add 20 12h", "7: role_cap 20 1d", "7: role_cap 20 "]
        );
    }

    #[tokio::test]
    async fn roles_list_shows_each_cap_in_force() {
        let svc = service();
        run(&svc, add(ROLE, Some("2d"))).await;
        run(&svc, add(RoleId(21), None)).await;
        // The maximum drops below the first role's own cap.
        store_policy(&svc, None, Some("1d"));
        let AdminOutcome::Roles(roles) = run(&svc, AdminCommand::RolesList).await else {
            panic!("not a listing")
        };
        let caps: Vec<(RoleId, Option<Expiry>, Expiry)> = roles
            .iter()
            .map(|(r, cap)| (r.role, r.max_expiry, *cap))
            .collect();
        assert_eq!(
            caps,
            [
                (ROLE, Some(expiry("2d")), expiry("1d")),
                (RoleId(21), None, expiry("1d"))
            ]
        );
    }

    #[tokio::test]
    async fn removing_one_of_two_roles_leaves_sharing_on() {
        let svc = service();
        for role in [ROLE, RoleId(21)] {
            run(&svc, add(role, None)).await;
        }
        assert_eq!(
            run(&svc, AdminCommand::RolesRemove { role: ROLE }).await,
            AdminOutcome::RoleRemoved {
                role: ROLE,
                changed: true,
                none_left: false
            }
        );
    }

    #[tokio::test]
    async fn channels_are_listed_once_and_unlisted() {
        let svc = service();
        let add = AdminCommand::ChannelsAdd { channel: ROOM };
        assert_eq!(
            run(&svc, add.clone()).await,
            AdminOutcome::ChannelAdded {
                channel: ROOM,
                changed: true
            }
        );
        assert_eq!(
            run(&svc, add).await,
            AdminOutcome::ChannelAdded {
                channel: ROOM,
                changed: false
            }
        );
        run(
            &svc,
            AdminCommand::ChannelsAdd {
                channel: ChannelId(41),
            },
        )
        .await;
        assert_eq!(
            run(&svc, AdminCommand::ChannelsList).await,
            AdminOutcome::Channels(vec![ROOM, ChannelId(41)])
        );
        let remove = |channel| AdminCommand::ChannelsRemove { channel };
        assert_eq!(
            run(&svc, remove(ROOM)).await,
            AdminOutcome::ChannelRemoved {
                channel: ROOM,
                changed: true,
                none_left: false
            }
        );
        assert_eq!(
            run(&svc, remove(ChannelId(41))).await,
            AdminOutcome::ChannelRemoved {
                channel: ChannelId(41),
                changed: true,
                none_left: true
            }
        );
        assert_eq!(
            run(&svc, remove(ROOM)).await,
            AdminOutcome::ChannelRemoved {
                channel: ROOM,
                changed: false,
                none_left: true
            }
        );
        assert_eq!(
            changes(&svc),
            [
                "7: channel_add 40",
                "7: channel_add 41",
                "7: channel_remove 40",
                "7: channel_remove 41"
            ]
        );
    }

    #[tokio::test]
    async fn the_policy_shown_is_the_effective_one_with_what_was_stored() {
        let svc = service();
        let AdminOutcome::Policy(view) = run(&svc, AdminCommand::PolicyShow).await else {
            panic!("not a policy")
        };
        assert_eq!(view.effective, policy("1d", "3d"));
        assert_eq!(view.stored, PolicySettings::default());
        assert_eq!(view.configured, policy("1d", "3d"));
        // Stored before the operator lowered the ceiling to 3 days.
        store_policy(&svc, Some("5d"), Some("7d"));
        let AdminOutcome::Policy(view) = run(&svc, AdminCommand::PolicyShow).await else {
            panic!("not a policy")
        };
        assert_eq!(view.effective, policy("3d", "3d"));
        assert_eq!(view.stored.max_expiry, Some(expiry("7d")));
    }

    /// What a policy case should end in: the effective `(default, max)`, or a refusal.
    type Expected = Result<(&'static str, &'static str), fn(&AdminRefusal) -> bool>;

    struct PolicyCase {
        name: &'static str,
        stored: Option<(&'static str, &'static str)>,
        command: AdminCommand,
        expected: Expected,
    }

    #[tokio::test]
    async fn policy_set_merges_validates_and_stays_under_the_ceiling() {
        let cases = [
            PolicyCase {
                name: "a new default on the operator's policy",
                stored: None,
                command: set(Some("2d"), None),
                expected: Ok(("2d", "3d")),
            },
            PolicyCase {
                name: "a lower maximum drags an unnamed default down",
                stored: Some(("2d", "3d")),
                command: set(None, Some("1d")),
                expected: Ok(("1d", "1d")),
            },
            PolicyCase {
                name: "both at once",
                stored: None,
                command: set(Some("1h"), Some("2h")),
                expected: Ok(("1h", "2h")),
            },
            PolicyCase {
                name: "a named default above the maximum",
                stored: Some(("1h", "2h")),
                command: set(Some("1d"), None),
                expected: Err(|r| {
                    matches!(r, AdminRefusal::Policy(PolicyError::DefaultAboveMax { .. }))
                }),
            },
            PolicyCase {
                name: "above the operator's ceiling",
                stored: None,
                command: set(None, Some("5d")),
                expected: Err(|r| {
                    matches!(
                        r,
                        AdminRefusal::Expiry {
                            option: "max_expiry",
                            source: ExpiryError::TooLong { .. }
                        }
                    )
                }),
            },
            PolicyCase {
                name: "below a minute",
                stored: None,
                command: set(Some("30s"), None),
                expected: Err(|r| {
                    matches!(
                        r,
                        AdminRefusal::Expiry {
                            option: "default_expiry",
                            ..
                        }
                    )
                }),
            },
            PolicyCase {
                name: "not a duration",
                stored: None,
                command: set(None, Some("forever")),
                expected: Err(|r| {
                    matches!(
                        r,
                        AdminRefusal::Expiry {
                            option: "max_expiry",
                            ..
                        }
                    )
                }),
            },
            PolicyCase {
                name: "nothing given",
                stored: Some(("1h", "2h")),
                command: set(None, None),
                expected: Err(|r| *r == AdminRefusal::NothingToSet),
            },
        ];
        for case in cases {
            let svc = service();
            if let Some((d, m)) = case.stored {
                store_policy(&svc, Some(d), Some(m));
            }
            let before = svc.store.get(GUILD).policy;
            let outcome = run(&svc, case.command.clone()).await;
            let stored = svc.store.get(GUILD).policy;
            match case.expected {
                Ok((d, m)) => {
                    let AdminOutcome::PolicyUpdated(view) = &outcome else {
                        panic!("{}: {outcome:?}", case.name)
                    };
                    assert_eq!(view.effective, policy(d, m), "{}", case.name);
                    assert_eq!(view.stored, stored, "{}", case.name);
                    assert_eq!(changes(&svc).len(), 1, "{}", case.name);
                }
                Err(is_expected) => {
                    let AdminOutcome::Refused(refusal) = &outcome else {
                        panic!("{}: {outcome:?}", case.name)
                    };
                    assert!(is_expected(refusal), "{}: {refusal:?}", case.name);
                    assert_eq!(stored, before, "{}: nothing written", case.name);
                    assert!(changes(&svc).is_empty(), "{}", case.name);
                    assert_eq!(outcome.label(), "invalid_input");
                }
            }
        }
    }

    #[tokio::test]
    async fn policy_set_turns_on_reasons_and_the_audit_channel() {
        let svc = service();
        let outcome = run(
            &svc,
            AdminCommand::PolicySet {
                default_expiry: None,
                max_expiry: None,
                require_reason: Some(true),
                audit_channel: Some(ROOM),
                approvals_channel: Some(ChannelId(41)),
                approver_role: Some(RoleId(22)),
            },
        )
        .await;
        let AdminOutcome::PolicyUpdated(view) = outcome else {
            panic!("{outcome:?}")
        };
        assert!(view.stored.require_reason);
        assert_eq!(view.stored.audit_channel, Some(ROOM));
        assert_eq!(view.stored.approvals_channel, Some(ChannelId(41)));
        assert_eq!(view.stored.approver_role, Some(RoleId(22)));
        assert_eq!(view.stored.default_expiry, None, "untouched");
        assert_eq!(svc.store.get(GUILD).policy, view.stored);
    }

    #[tokio::test]
    async fn policy_clear_resets_one_setting() {
        let full = PolicySettings {
            default_expiry: Some(expiry("2h")),
            max_expiry: Some(expiry("1d")),
            require_reason: true,
            audit_channel: Some(ROOM),
            approvals_channel: Some(ChannelId(41)),
            approver_role: Some(RoleId(22)),
        };
        for setting in PolicySetting::ALL {
            let svc = service();
            svc.store.edit(GUILD, |g| g.policy = full.clone());
            let outcome = run(
                &svc,
                AdminCommand::PolicyClear {
                    setting: setting.as_str().into(),
                },
            )
            .await;
            let AdminOutcome::PolicyCleared { setting: got, view } = &outcome else {
                panic!("{setting:?}: {outcome:?}")
            };
            assert_eq!(*got, setting);
            assert_eq!(view.stored, full.cleared(setting), "{setting:?}");
            assert_eq!(svc.store.get(GUILD).policy, full.cleared(setting));
            assert_eq!(changes(&svc).len(), 1, "{setting:?}");
        }
        let svc = service();
        let cleared_max = {
            svc.store.edit(GUILD, |g| g.policy = full.clone());
            run(
                &svc,
                AdminCommand::PolicyClear {
                    setting: "max_expiry".into(),
                },
            )
            .await
        };
        let AdminOutcome::PolicyCleared { view, .. } = cleared_max else {
            panic!()
        };
        assert_eq!(
            view.effective,
            policy("2h", "3d"),
            "the operator's maximum applies again"
        );
        let unknown = run(
            &svc,
            AdminCommand::PolicyClear {
                setting: "everything".into(),
            },
        )
        .await;
        assert_eq!(
            unknown,
            AdminOutcome::Refused(AdminRefusal::UnknownSetting("everything".into()))
        );
    }

    fn explain(
        user: u64,
        roles: Option<Vec<RoleId>>,
        channel: ChannelId,
        exp: Option<&str>,
    ) -> AdminCommand {
        AdminCommand::Explain {
            target: ExplainTarget {
                user: UserId(user),
                roles,
                place: Some(ChannelPlace {
                    channel,
                    parent: None,
                }),
            },
            expiry: exp.map(str::to_owned),
            id: None,
        }
    }

    /// `explain` about member 5 (holding `ROLE`) in `ROOM`, and about target `id`.
    fn explain_id(id: &str) -> AdminCommand {
        let mut command = explain(5, Some(vec![ROLE]), ROOM, None);
        if let AdminCommand::Explain { id: asked, .. } = &mut command {
            *asked = Some(id.into());
        }
        command
    }

    #[tokio::test]
    async fn explain_with_an_id_says_what_share_would_make_of_that_target() {
        let ws = |w: &str| WorkspaceId::parse(w).unwrap();
        let details = |name: &str, w: &str| TargetDetails::new(name, "Running", ws(w), None);
        let job = || {
            Some(TargetDetails::new(
                "train",
                "Running",
                ws("1001"),
                Some("Research"),
            ))
        };
        let board = || Some(details("board", "1002"));
        let shared = |details| TargetVerdict::Share {
            details,
            failure: None,
        };
        let forbidden = IssueFailure {
            kind: IssueFailureKind::Unauthorized,
            code: "Forbidden.RAM".into(),
            message: "denied".into(),
            request_id: None,
        };
        struct Case {
            name: &'static str,
            lookup: bool,
            guild_list: &'static [&'static str],
            fails: bool,
            id: &'static str,
            looked_up_as: Option<TargetType>,
            verdict: TargetVerdict,
            lookups: usize,
        }
        let cases = [
            Case {
                name: "a job, any workspace",
                lookup: true,
                guild_list: &[],
                fails: false,
                id: "dlc1",
                looked_up_as: Some(TargetType::Job),
                verdict: shared(job()),
                lookups: 1,
            },
            Case {
                name: "no job by that id: a TensorBoard is tried next",
                lookup: true,
                guild_list: &[],
                fails: false,
                id: "tb1",
                looked_up_as: Some(TargetType::Tensorboard),
                verdict: shared(board()),
                lookups: 2,
            },
            Case {
                name: "neither exists",
                lookup: true,
                guild_list: &[],
                fails: false,
                id: "nope",
                looked_up_as: None,
                verdict: TargetVerdict::NotFound,
                lookups: 2,
            },
            Case {
                name: "a job outside the server's workspaces",
                lookup: true,
                guild_list: &["1002"],
                fails: false,
                id: "dlc1",
                looked_up_as: Some(TargetType::Job),
                verdict: TargetVerdict::OutsideRule {
                    workspace: Some(ws("1001")),
                    allowed: vec![ws("1002")],
                },
                lookups: 1,
            },
            Case {
                name: "a TensorBoard inside them",
                lookup: true,
                guild_list: &["1002"],
                fails: false,
                id: "tb1",
                looked_up_as: Some(TargetType::Tensorboard),
                verdict: shared(board()),
                lookups: 2,
            },
            Case {
                name: "a failed look-up with no rule: shared without details, no second try",
                lookup: true,
                guild_list: &[],
                fails: true,
                id: "dlc1",
                looked_up_as: Some(TargetType::Job),
                verdict: TargetVerdict::Share {
                    details: None,
                    failure: Some(forbidden.clone()),
                },
                lookups: 1,
            },
            Case {
                name: "a failed look-up under a rule: refused",
                lookup: true,
                guild_list: &["1001"],
                fails: true,
                id: "dlc1",
                looked_up_as: Some(TargetType::Job),
                verdict: TargetVerdict::Unknown(forbidden.clone()),
                lookups: 1,
            },
            Case {
                name: "the look-up off: nothing asked",
                lookup: false,
                guild_list: &[],
                fails: false,
                id: "dlc1",
                looked_up_as: None,
                verdict: shared(None),
                lookups: 0,
            },
        ];
        for case in cases {
            let svc = service_with_targets(TargetRule {
                lookup: case.lookup,
                workspaces: vec![],
            });
            svc.lookup.add("dlc1", "train", "1001");
            svc.lookup.add_tensorboard("tb1", "board", "1002");
            for w in case.guild_list {
                let listed = run(
                    &svc,
                    AdminCommand::WorkspacesAdd {
                        workspace: (*w).into(),
                    },
                )
                .await;
                assert!(
                    matches!(listed, AdminOutcome::WorkspaceAdded { .. }),
                    "{listed:?}"
                );
            }
            if case.fails {
                *svc.lookup.failure.lock().unwrap() = Some(forbidden.clone());
            }
            run(&svc, add(ROLE, None)).await;
            *svc.limits.remaining.lock().unwrap() = Remaining { user: 2, guild: 50 };
            let outcome = run(&svc, explain_id(case.id)).await;
            let AdminOutcome::Explained { explanation, .. } = outcome else {
                panic!("{}: {outcome:?}", case.name)
            };
            let target = explanation.target.clone().expect("the target is reported");
            assert_eq!(target.id.as_str(), case.id, "{}", case.name);
            assert_eq!(target.looked_up_as, case.looked_up_as, "{}", case.name);
            assert_eq!(target.verdict, case.verdict, "{}", case.name);
            let allowed = matches!(case.verdict, TargetVerdict::Share { .. });
            assert_eq!(explanation.would_share(), allowed, "{}", case.name);
            assert_eq!(
                svc.lookup.calls.load(Ordering::SeqCst),
                case.lookups,
                "{}",
                case.name
            );
        }
    }

    #[tokio::test]
    async fn explain_refuses_an_id_that_share_would_refuse_before_asking_anyone() {
        let svc = service();
        let outcome = run(&svc, explain_id("a b")).await;
        assert_eq!(
            outcome,
            AdminOutcome::Refused(AdminRefusal::TargetId {
                raw: "a b".into(),
                error: TargetIdError::InvalidChar(' '),
            })
        );
        assert_eq!(svc.lookup.calls.load(Ordering::SeqCst), 0);
        // Without an id, nothing is looked up and no target is reported.
        let outcome = run(&svc, explain(5, Some(vec![ROLE]), ROOM, None)).await;
        let AdminOutcome::Explained { explanation, .. } = outcome else {
            panic!("{outcome:?}")
        };
        assert_eq!(explanation.target, None);
        assert_eq!(svc.lookup.calls.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn explain_answers_from_the_members_roles_without_using_anything() {
        let svc = service();
        run(&svc, add(ROLE, Some("1h"))).await;
        run(&svc, AdminCommand::ChannelsAdd { channel: ROOM }).await;
        *svc.limits.remaining.lock().unwrap() = Remaining { user: 2, guild: 50 };
        let recorded = changes(&svc).len();

        let outcome = run(&svc, explain(5, Some(vec![ROLE]), ROOM, Some("2h"))).await;
        let AdminOutcome::Explained { user, explanation } = outcome else {
            panic!("{outcome:?}")
        };
        assert_eq!(user, UserId(5));
        assert_eq!(
            explanation.workspaces,
            Some((true, WorkspaceRule::Any)),
            "the workspace rule in force is stated"
        );
        assert_eq!(explanation.channel, ChannelDecision::Listed);
        assert_eq!(explanation.access, Ok(()));
        assert_eq!(
            explanation.expiry,
            Some(ExpiryVerdict::AboveCap { cap: expiry("1h") })
        );
        assert_eq!(
            explanation.remaining,
            Some(Remaining { user: 2, guild: 50 })
        );
        assert!(!explanation.would_share());

        let outcome = run(&svc, explain(5, Some(vec![ROLE]), ROOM, None)).await;
        let AdminOutcome::Explained { explanation, .. } = outcome else {
            panic!("{outcome:?}")
        };
        assert_eq!(explanation.verdict, Ok(expiry("1h")));
        assert!(explanation.would_share());

        let outcome = run(
            &svc,
            explain(6, Some(vec![RoleId(99)]), ChannelId(41), None),
        )
        .await;
        let AdminOutcome::Explained { explanation, .. } = outcome else {
            panic!("{outcome:?}")
        };
        assert!(matches!(explanation.verdict, Err(Refusal::Channel { .. })));
        assert_eq!(explanation.access, Err(Denial::MissingRole));

        assert_eq!(changes(&svc).len(), recorded, "explain changes nothing");
        assert_eq!(
            svc.limits.calls.load(Ordering::SeqCst),
            0,
            "nothing used up"
        );
    }

    #[tokio::test]
    async fn explain_refuses_a_non_member_and_survives_an_unreadable_limit() {
        let svc = service();
        assert_eq!(
            run(&svc, explain(5, None, ROOM, None)).await,
            AdminOutcome::Refused(AdminRefusal::NotAMember)
        );
        svc.limits.fail.store(true, Ordering::SeqCst);
        let outcome = run(&svc, explain(5, Some(vec![ROLE]), ROOM, None)).await;
        let AdminOutcome::Explained { explanation, .. } = outcome else {
            panic!("{outcome:?}")
        };
        assert_eq!(explanation.remaining, None);
    }

    #[tokio::test]
    async fn the_audit_listing_is_capped_and_filtered() {
        let svc = service();
        let entry = |user: &str| AuditEntry {
            created_at: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            user_id: user.into(),
            target_type: "job".into(),
            target_id: "dlc1".into(),
            target_name: None,
            workspace_id: None,
            expire_seconds: Some(60),
            outcome: "issued".into(),
            error_code: None,
        };
        svc.store
            .attempts
            .lock()
            .unwrap()
            .extend([entry("1"), entry("2"), entry("1")]);
        let AdminOutcome::Audit(rows) = run(
            &svc,
            AdminCommand::Audit {
                user: Some(UserId(1)),
                limit: 1_000,
            },
        )
        .await
        else {
            panic!("not a listing")
        };
        assert_eq!(rows.len(), 2);
        assert_eq!(*svc.store.last_limit.lock().unwrap(), Some(AUDIT_MAX_LIMIT));
        run(
            &svc,
            AdminCommand::Audit {
                user: None,
                limit: 0,
            },
        )
        .await;
        assert_eq!(*svc.store.last_limit.lock().unwrap(), Some(1));
    }

    #[tokio::test]
    async fn a_store_that_fails_changes_nothing_and_says_so() {
        let svc = service();
        svc.store.fail.store(true, Ordering::SeqCst);
        for command in [
            add(ROLE, None),
            add(ROLE, Some("1h")),
            AdminCommand::RolesRemove { role: ROLE },
            AdminCommand::RolesList,
            AdminCommand::ChannelsAdd { channel: ROOM },
            AdminCommand::ChannelsRemove { channel: ROOM },
            AdminCommand::ChannelsList,
            AdminCommand::WorkspacesAdd {
                workspace: "ws-a".into(),
            },
            AdminCommand::WorkspacesRemove {
                workspace: "ws-a".into(),
            },
            AdminCommand::WorkspacesList,
            AdminCommand::PolicyShow,
            set(Some("2h"), None),
            AdminCommand::PolicyClear {
                setting: "max_expiry".into(),
            },
            AdminCommand::Audit {
                user: None,
                limit: 5,
            },
            explain(5, Some(vec![ROLE]), ROOM, None),
        ] {
            let outcome = run(&svc, command.clone()).await;
            assert_eq!(outcome, AdminOutcome::StorageUnavailable, "{command:?}");
            assert_eq!(outcome.label(), "error");
        }
    }

    #[test]
    fn labels_follow_the_outcome() {
        assert_eq!(AdminOutcome::NotAdmin.label(), "denied_role");
        assert_eq!(AdminOutcome::GuildNotEnabled.label(), "denied_role");
        assert_eq!(AdminOutcome::Roles(vec![]).label(), "ok");
        assert_eq!(
            AdminOutcome::Refused(AdminRefusal::NothingToSet).label(),
            "invalid_input"
        );
    }
}
