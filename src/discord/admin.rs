//! `/share-admin`: allowlist, policy and audit views. The caller has already re-checked that
//! the member is a guild admin; every change is recorded by the store with its actor.

use crate::safe_text::{ECHO_MAX_CHARS, shorten, visible};
use crate::share::{Expiry, ExpiryError, GuildId, GuildPolicy, PolicyError};
use crate::store::{Actor, PgStore, StoreError};

use super::commands::AdminInvocation;
use super::replies::{code, escape, timestamps};

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("`{option}`: {source}")]
    Expiry {
        option: &'static str,
        #[source]
        source: ExpiryError,
    },
    #[error("{0}")]
    Policy(#[from] PolicyError),
    #[error("give `default_expiry`, `max_expiry`, or both")]
    NothingToSet,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AdminError {
    /// What the admin reads; storage details stay in the logs.
    pub fn user_message(&self) -> String {
        match self {
            AdminError::Store(_) => {
                "The bot cannot reach its database right now; nothing was changed. Please try again shortly.".into()
            }
            other => format!("Nothing was changed: {}.", escape(&other.to_string())),
        }
    }
}

/// Runs one admin command and returns the reply text. `default_policy` is the operator's:
/// it applies where admins set nothing, and its maximum bounds what they may set.
pub async fn run(
    store: &PgStore,
    guild: GuildId,
    actor: &Actor,
    default_policy: GuildPolicy,
    invocation: &AdminInvocation,
) -> Result<String, AdminError> {
    match invocation {
        AdminInvocation::RolesAdd { role, role_name } => {
            let added = store.add_allowed_role(guild, *role, actor).await?;
            let name = role_label(role.get(), role_name.as_deref());
            Ok(if added {
                format!("{name} may now share links with `/share`.")
            } else {
                format!("{name} was already allowed; nothing changed.")
            })
        }
        AdminInvocation::RolesRemove { role, role_name } => {
            let removed = store.remove_allowed_role(guild, *role, actor).await?;
            let name = role_label(role.get(), role_name.as_deref());
            let remaining = store.allowed_roles(guild).await?.len();
            let mut reply = if removed {
                format!("{name} may no longer share links.")
            } else {
                format!("{name} was not on the allowlist; nothing changed.")
            };
            if remaining == 0 {
                reply.push_str(" No role is allowed now, so nobody can share until one is added.");
            }
            Ok(reply)
        }
        AdminInvocation::RolesList => {
            let roles = store.allowed_roles(guild).await?;
            Ok(if roles.is_empty() {
                "No role may share yet. Add one with `/share-admin roles add`.".into()
            } else {
                let list: Vec<String> = roles.iter().map(|r| format!("<@&{r}>")).collect();
                format!("Roles allowed to share: {}", list.join(", "))
            })
        }
        AdminInvocation::PolicyShow => {
            let (policy, source) = match store.policy(guild).await? {
                Some(p) => (
                    p.capped(default_policy.max_expiry()),
                    "set by an admin of this server",
                ),
                None => (default_policy, "the bot's configured defaults"),
            };
            Ok(format!(
                "Default expiry: **{}**. Maximum expiry: **{}** ({source}).",
                policy.default_expiry(),
                policy.max_expiry()
            ))
        }
        AdminInvocation::PolicySet {
            default_expiry,
            max_expiry,
        } => {
            if default_expiry.is_none() && max_expiry.is_none() {
                return Err(AdminError::NothingToSet);
            }
            // Admins choose within the operator's ceiling (`share.max_expiry`), not above it.
            let ceiling = default_policy.max_expiry();
            let parse = |option: &'static str, raw: &Option<String>| {
                raw.as_deref()
                    .map(|r| Expiry::parse(r, ceiling))
                    .transpose()
                    .map_err(|source| AdminError::Expiry { option, source })
            };
            let default = parse("default_expiry", default_expiry)?;
            let max = parse("max_expiry", max_expiry)?;
            // Merged with the stored policy inside the store's transaction: a concurrent
            // change by another admin is never silently overwritten.
            let (updated, _previous) = store
                .update_policy(guild, actor, |stored| {
                    stored
                        .map_or(default_policy, |p| p.capped(ceiling))
                        .updated(default, max)
                })
                .await??;
            Ok(format!(
                "Policy updated. Default expiry: **{}**. Maximum expiry: **{}**.",
                updated.default_expiry(),
                updated.max_expiry()
            ))
        }
        AdminInvocation::Audit { user, limit } => {
            let rows = store.recent(guild, *user, *limit).await?;
            if rows.is_empty() {
                return Ok("No share attempts recorded yet.".into());
            }
            let mut out = format!("Last {} share attempt(s), newest first:\n", rows.len());
            for r in rows {
                let expiry = r
                    .expire_seconds
                    .map(|s| {
                        format!(
                            " for {}",
                            crate::share::format_duration(std::time::Duration::from_secs(
                                s.max(0) as u64
                            ))
                        )
                    })
                    .unwrap_or_default();
                let why = r
                    .error_code
                    .as_deref()
                    .map(|c| format!(" ({})", code(c)))
                    .unwrap_or_default();
                // Rows hold what members typed: an invalid target id can be anything.
                let line = format!(
                    "• {} <@{}> {} {}{expiry} → **{}**{why}\n",
                    timestamps(r.created_at.timestamp()),
                    escape(&r.user_id),
                    visible(&r.target_type),
                    code(&shorten(&r.target_id, ECHO_MAX_CHARS)),
                    visible(&r.outcome),
                );
                // Discord messages stop at 2,000 characters.
                if out.len() + line.len() > 1_900 {
                    out.push('…');
                    break;
                }
                out.push_str(&line);
            }
            Ok(out)
        }
    }
}

fn role_label(id: u64, name: Option<&str>) -> String {
    match name {
        Some(n) => format!("<@&{id}> ({})", escape(&shorten(n, ECHO_MAX_CHARS))),
        None => format!("<@&{id}>"),
    }
}
