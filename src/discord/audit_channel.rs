//! Posts a guild's audit-channel message for each `/share` attempt: who, target,
//! expiry, outcome, reason. The core's [`AuditNotice`] holds neither token nor link, so none
//! can be posted. A post that fails is logged and counted; the member's answer never waits
//! for it or depends on it.

use std::sync::Arc;

use serenity::all::{CreateAllowedMentions, CreateMessage, Http};

use super::i18n::{Lang, tr};
use super::replies::{self, escape};
use crate::share::{AuditNotice, ErrorCode};
use crate::telemetry::metric;

/// Posts over the bot's REST client (bot token; not an interaction webhook).
#[derive(Clone)]
pub struct AuditChannel {
    pub http: Arc<Http>,
}

impl AuditChannel {
    pub async fn post(&self, lang: Lang, notice: &AuditNotice) {
        let channel = serenity::all::ChannelId::new(notice.channel.get());
        match channel
            .send_message(&self.http, message(lang, notice))
            .await
        {
            Ok(_) => {
                metrics::counter!(metric::AUDIT_CHANNEL_POSTS_TOTAL, "result" => "ok").increment(1)
            }
            Err(e) => {
                metrics::counter!(metric::AUDIT_CHANNEL_POSTS_TOTAL, "result" => "failed")
                    .increment(1);
                tracing::warn!(
                    error = %e,
                    channel_id = %notice.channel,
                    "could not post to the audit channel; the share itself is unaffected"
                );
            }
        }
    }
}

/// One line per attempt, in the server's language; the user is a mention that pings nobody
/// (`allowed_mentions` empty).
pub fn message(lang: Lang, n: &AuditNotice) -> CreateMessage {
    let user = n
        .user_id
        .parse::<u64>()
        .map_or_else(|_| escape(&n.user_id), |id| format!("<@{id}>"));
    let what = tr!(
        lang,
        "audit-post-what",
        user = user,
        command = n.target_type.as_str(),
        id = replies::target_with_name(&n.target_id, n.target_name.as_deref())
    );
    let line = replies::attempt(
        lang,
        what,
        n.expire_seconds,
        n.outcome.as_str(),
        n.error_code.as_ref().map(ErrorCode::as_str),
    );
    let content = match n.reason.as_deref() {
        Some(r) => format!("{line}\n{}", tr!(lang, "reason-line", reason = escape(r))),
        None => line,
    };
    CreateMessage::new()
        .content(content)
        .allowed_mentions(CreateAllowedMentions::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::share::ports::AuditOutcome;
    use crate::share::{ChannelId, TargetType};

    fn notice() -> AuditNotice {
        AuditNotice {
            channel: ChannelId(5),
            user_id: "42".into(),
            target_type: TargetType::Job,
            target_id: "dlc1".into(),
            target_name: None,
            expire_seconds: Some(5_400),
            outcome: AuditOutcome::Issued,
            error_code: None,
            reason: Some("@everyone **look**".into()),
        }
    }

    #[test]
    fn a_post_names_everything_and_pings_nobody() {
        let json = serde_json::to_value(message(Lang::En, &notice())).unwrap();
        let content = json["content"].as_str().unwrap();
        assert_eq!(
            content,
            "<@42> `/share job` `dlc1` for 1h30m → **issued**\nReason: \\@everyone \\*\\*look\\*\\*"
        );
        assert_eq!(json["allowed_mentions"]["parse"], serde_json::json!([]));
    }

    #[test]
    fn a_looked_up_name_is_shown_escaped_and_cut() {
        let n = AuditNotice {
            target_name: Some(format!("**@everyone** <@1> \u{202e}{}", "~".repeat(5_000))),
            ..notice()
        };
        let json = serde_json::to_value(message(Lang::En, &n)).unwrap();
        let content = json["content"].as_str().unwrap();
        assert!(
            content.starts_with("<@42> `/share job` `dlc1` (\\*\\*\\@everyone\\*\\* \\<\\@1\\> ?"),
            "{content}"
        );
        assert!(!content.contains('\u{202e}'), "{content}");
        assert!(content.chars().count() < 400, "{content}");
    }

    #[test]
    fn a_refusal_shows_its_code_and_what_was_typed_is_defused() {
        let n = AuditNotice {
            target_id: format!("bad`id\u{202e}{}", "x".repeat(300)),
            outcome: AuditOutcome::DeniedChannel,
            error_code: Some("channel_not_allowed".into()),
            reason: None,
            expire_seconds: None,
            ..notice()
        };
        let json = serde_json::to_value(message(Lang::En, &n)).unwrap();
        let content = json["content"].as_str().unwrap();
        assert!(
            content.contains("→ **denied_channel** (`channel_not_allowed`)"),
            "{content}"
        );
        assert!(
            !content.contains('\u{202e}') && !content.contains("Reason"),
            "{content}"
        );
        assert!(content.chars().count() < 400, "{content}");
    }
}
