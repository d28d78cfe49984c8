//! `/share-admin` as decisions over the settings port: who may run it, what each command
//! changes, and what it answers — as data. The Discord adapter parses the options into an
//! [`AdminCommand`] and renders the [`AdminOutcome`]; the store records every change with its
//! actor.

use std::sync::Arc;

use super::ports::{Actor, AuditEntry, SettingsStore, StorageError};
use super::{
    AdminPermissions, Expiry, ExpiryError, GuildId, GuildPolicy, Operator, PolicyError, RoleId,
    UserId, is_admin,
};

/// Most rows `/share-admin audit` lists, whatever was asked.
pub const AUDIT_MAX_LIMIT: i64 = 25;

/// One admin command, its options still as typed where the core validates them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminCommand {
    RolesAdd {
        role: RoleId,
    },
    RolesRemove {
        role: RoleId,
    },
    RolesList,
    PolicyShow,
    PolicySet {
        default_expiry: Option<String>,
        max_expiry: Option<String>,
    },
    Audit {
        user: Option<UserId>,
        limit: i64,
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
    #[error("give `default_expiry`, `max_expiry`, or both")]
    NothingToSet,
    #[error("`{option}`: {source}")]
    Expiry {
        option: &'static str,
        #[source]
        source: ExpiryError,
    },
    #[error("{0}")]
    Policy(#[from] PolicyError),
}

/// Every way an admin command ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminOutcome {
    /// The guild is not one this deployment serves.
    GuildNotEnabled,
    /// The caller is not a guild admin (re-checked: guilds can override command permissions).
    NotAdmin,
    RoleAdded {
        role: RoleId,
        /// `false` when it was already allowed (nothing recorded).
        changed: bool,
    },
    RoleRemoved {
        role: RoleId,
        /// `false` when it was not allowed (nothing recorded).
        changed: bool,
        /// No role is allowed any more: nobody can share.
        none_left: bool,
    },
    Roles(Vec<RoleId>),
    Policy {
        policy: GuildPolicy,
        /// Set by the guild's admins, rather than the operator's defaults.
        own: bool,
    },
    PolicyUpdated(GuildPolicy),
    Refused(AdminRefusal),
    Audit(Vec<AuditEntry>),
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
pub struct AdminService<S> {
    pub store: S,
    /// Which guilds are served, who counts as admin, and the policy that bounds what admins
    /// may set.
    pub operator: Arc<Operator>,
}

impl<S: SettingsStore> AdminService<S> {
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
            AdminCommand::RolesAdd { role } => AdminOutcome::RoleAdded {
                role: *role,
                changed: self.store.add_allowed_role(guild, *role, actor).await?,
            },
            AdminCommand::RolesRemove { role } => {
                let changed = self.store.remove_allowed_role(guild, *role, actor).await?;
                let none_left = self.store.allowed_roles(guild).await?.is_empty();
                AdminOutcome::RoleRemoved {
                    role: *role,
                    changed,
                    none_left,
                }
            }
            AdminCommand::RolesList => AdminOutcome::Roles(self.store.allowed_roles(guild).await?),
            AdminCommand::PolicyShow => {
                let stored = self.store.policy(guild).await?;
                AdminOutcome::Policy {
                    policy: self.operator.effective_policy(stored),
                    own: stored.is_some(),
                }
            }
            AdminCommand::PolicySet {
                default_expiry,
                max_expiry,
            } => match self.parse_policy_options(default_expiry, max_expiry) {
                Err(refusal) => AdminOutcome::Refused(refusal),
                Ok((default, max)) => {
                    let operator = Arc::clone(&self.operator);
                    // Merged with the stored policy inside the store's serial step: a
                    // concurrent change by another admin is never silently overwritten.
                    let merge = move |stored: Option<GuildPolicy>| {
                        operator.effective_policy(stored).updated(default, max)
                    };
                    match self.store.update_policy(guild, actor, merge).await? {
                        Ok(updated) => AdminOutcome::PolicyUpdated(updated),
                        Err(e) => AdminOutcome::Refused(AdminRefusal::Policy(e)),
                    }
                }
            },
            AdminCommand::Audit { user, limit } => AdminOutcome::Audit(
                self.store
                    .recent_attempts(guild, *user, (*limit).clamp(1, AUDIT_MAX_LIMIT))
                    .await?,
            ),
        })
    }

    /// Admins choose within the operator's ceiling (`share.max_expiry`), not above it.
    fn parse_policy_options(
        &self,
        default_expiry: &Option<String>,
        max_expiry: &Option<String>,
    ) -> Result<(Option<Expiry>, Option<Expiry>), AdminRefusal> {
        if default_expiry.is_none() && max_expiry.is_none() {
            return Err(AdminRefusal::NothingToSet);
        }
        let ceiling = self.operator.policy.max_expiry();
        let parse = |option: &'static str, raw: &Option<String>| {
            raw.as_deref()
                .map(|r| Expiry::parse(r, ceiling))
                .transpose()
                .map_err(|source| AdminRefusal::Expiry { option, source })
        };
        Ok((
            parse("default_expiry", default_expiry)?,
            parse("max_expiry", max_expiry)?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::sync::atomic::Ordering;

    use super::*;
    use crate::share::fakes::FakeSettings;
    use crate::share::{ExpiryError, GuildScope, UserId};

    const GUILD: GuildId = GuildId(10);
    const ROLE: RoleId = RoleId(20);
    const ADMIN_ROLE: RoleId = RoleId(30);

    fn expiry(s: &str) -> Expiry {
        Expiry::parse(s, Expiry::HARD_MAX).unwrap()
    }

    fn policy(default: &str, max: &str) -> GuildPolicy {
        GuildPolicy::new(expiry(default), expiry(max)).unwrap()
    }

    fn service() -> AdminService<FakeSettings> {
        AdminService {
            store: FakeSettings::default(),
            operator: Arc::new(Operator {
                served: GuildScope::Listed(BTreeSet::from([GUILD])),
                policy: policy("1d", "3d"),
                admin_roles: vec![ADMIN_ROLE],
            }),
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

    fn set(default: Option<&str>, max: Option<&str>) -> AdminCommand {
        AdminCommand::PolicySet {
            default_expiry: default.map(str::to_owned),
            max_expiry: max.map(str::to_owned),
        }
    }

    #[tokio::test]
    async fn only_admins_of_served_guilds_run_anything() {
        let svc = service();
        let member = AdminCaller {
            permissions: AdminPermissions::default(),
            roles: vec![ROLE],
            ..manager()
        };
        let add = AdminCommand::RolesAdd { role: ROLE };
        assert_eq!(svc.run(GUILD, &member, &add).await, AdminOutcome::NotAdmin);
        assert_eq!(
            svc.run(GuildId(99), &manager(), &add).await,
            AdminOutcome::GuildNotEnabled,
            "a foreign guild's admin is nobody here"
        );
        assert!(svc.store.changes.lock().unwrap().is_empty());
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
        let add = AdminCommand::RolesAdd { role: ROLE };
        let remove = AdminCommand::RolesRemove { role: ROLE };
        assert_eq!(
            svc.run(GUILD, &manager(), &add).await,
            AdminOutcome::RoleAdded {
                role: ROLE,
                changed: true
            }
        );
        assert_eq!(
            svc.run(GUILD, &manager(), &add).await,
            AdminOutcome::RoleAdded {
                role: ROLE,
                changed: false
            }
        );
        assert_eq!(
            svc.run(GUILD, &manager(), &AdminCommand::RolesList).await,
            AdminOutcome::Roles(vec![ROLE])
        );
        assert_eq!(
            svc.run(GUILD, &manager(), &remove).await,
            AdminOutcome::RoleRemoved {
                role: ROLE,
                changed: true,
                none_left: true
            }
        );
        assert_eq!(
            svc.run(GUILD, &manager(), &remove).await,
            AdminOutcome::RoleRemoved {
                role: ROLE,
                changed: false,
                none_left: true
            }
        );
        let changes = svc.store.changes.lock().unwrap().clone();
        assert_eq!(
            changes,
            [
                (GUILD, "7".into(), "role_add 20".into()),
                (GUILD, "7".into(), "role_remove 20".into())
            ],
            "only real changes are recorded, with their actor"
        );
    }

    #[tokio::test]
    async fn removing_one_of_two_roles_leaves_sharing_on() {
        let svc = service();
        for role in [ROLE, RoleId(21)] {
            svc.run(GUILD, &manager(), &AdminCommand::RolesAdd { role })
                .await;
        }
        assert_eq!(
            svc.run(GUILD, &manager(), &AdminCommand::RolesRemove { role: ROLE })
                .await,
            AdminOutcome::RoleRemoved {
                role: ROLE,
                changed: true,
                none_left: false
            }
        );
    }

    #[tokio::test]
    async fn the_policy_shown_is_the_effective_one() {
        let svc = service();
        assert_eq!(
            svc.run(GUILD, &manager(), &AdminCommand::PolicyShow).await,
            AdminOutcome::Policy {
                policy: policy("1d", "3d"),
                own: false
            }
        );
        // Stored before the operator lowered the ceiling to 3 days.
        svc.store
            .policies
            .lock()
            .unwrap()
            .insert(GUILD, policy("5d", "7d"));
        assert_eq!(
            svc.run(GUILD, &manager(), &AdminCommand::PolicyShow).await,
            AdminOutcome::Policy {
                policy: policy("3d", "3d"),
                own: true
            }
        );
    }

    /// What a policy case should end in: the stored `(default, max)`, or a refusal.
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
                svc.store
                    .policies
                    .lock()
                    .unwrap()
                    .insert(GUILD, policy(d, m));
            }
            let before = svc.store.policies.lock().unwrap().get(&GUILD).copied();
            let outcome = svc.run(GUILD, &manager(), &case.command).await;
            let stored = svc.store.policies.lock().unwrap().get(&GUILD).copied();
            match case.expected {
                Ok((d, m)) => {
                    assert_eq!(
                        outcome,
                        AdminOutcome::PolicyUpdated(policy(d, m)),
                        "{}",
                        case.name
                    );
                    assert_eq!(stored, Some(policy(d, m)), "{}", case.name);
                    assert_eq!(svc.store.changes.lock().unwrap().len(), 1, "{}", case.name);
                }
                Err(is_expected) => {
                    let AdminOutcome::Refused(refusal) = &outcome else {
                        panic!("{}: {outcome:?}", case.name)
                    };
                    assert!(is_expected(refusal), "{}: {refusal:?}", case.name);
                    assert_eq!(stored, before, "{}: nothing written", case.name);
                    assert!(
                        svc.store.changes.lock().unwrap().is_empty(),
                        "{}",
                        case.name
                    );
                    assert_eq!(outcome.label(), "invalid_input");
                }
            }
        }
    }

    #[tokio::test]
    async fn the_audit_listing_is_capped_and_filtered() {
        let svc = service();
        let entry = |user: &str| AuditEntry {
            created_at: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            user_id: user.into(),
            target_type: "job".into(),
            target_id: "dlc1".into(),
            expire_seconds: Some(60),
            outcome: "issued".into(),
            error_code: None,
        };
        svc.store
            .attempts
            .lock()
            .unwrap()
            .extend([entry("1"), entry("2"), entry("1")]);
        let AdminOutcome::Audit(rows) = svc
            .run(
                GUILD,
                &manager(),
                &AdminCommand::Audit {
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
        svc.run(
            GUILD,
            &manager(),
            &AdminCommand::Audit {
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
            AdminCommand::RolesAdd { role: ROLE },
            AdminCommand::RolesRemove { role: ROLE },
            AdminCommand::RolesList,
            AdminCommand::PolicyShow,
            set(Some("2h"), None),
            AdminCommand::Audit {
                user: None,
                limit: 5,
            },
        ] {
            let outcome = svc.run(GUILD, &manager(), &command).await;
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
