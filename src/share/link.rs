//! Share links rendered from operator-supplied templates (`docs/configuration.md`).

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::{Expiry, TargetId, TargetType};

/// Everything but RFC 3986 unreserved characters is encoded, so a value can sit anywhere in a
/// URL (path, query or fragment) without changing its structure.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

const PLACEHOLDERS: [&str; 7] = [
    "region",
    "target_type",
    "target_id",
    "workspace_id",
    "token",
    "expire_seconds",
    "expires_at_unix",
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkTemplateError {
    #[error(
        "unknown placeholder `{{{0}}}` (known: {{region}}, {{target_type}}, {{target_id}}, {{workspace_id}}, {{token}}, {{expire_seconds}}, {{expires_at_unix}})"
    )]
    UnknownPlaceholder(String),
    #[error("unclosed `{{` in the template")]
    Unclosed,
    #[error("the template has no `{{token}}` placeholder, so its links could not open anything")]
    MissingToken,
    #[error("the template does not render to an absolute http(s) URL: {0}")]
    NotAUrl(String),
}

/// A parsed link template: literal text and placeholders, checked once at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkTemplate {
    source: String,
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Placeholder(&'static str),
}

/// The values a link is made of. No `Debug`: it holds the token.
#[derive(Clone, Copy)]
pub struct LinkValues<'a> {
    pub region: &'a str,
    pub target_type: TargetType,
    pub target_id: &'a TargetId,
    /// The target's workspace from the look-up; empty when unknown (look-up off or failed).
    pub workspace_id: &'a str,
    pub token: &'a str,
    /// The token's lifetime in seconds, as recorded in the audit log.
    pub expire_seconds: i64,
    pub expires_at_unix: i64,
}

impl LinkTemplate {
    pub fn parse(source: &str) -> Result<Self, LinkTemplateError> {
        let mut parts = Vec::new();
        let mut rest = source;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                parts.push(Part::Literal(rest[..open].to_owned()));
            }
            let after = &rest[open + 1..];
            let close = after.find('}').ok_or(LinkTemplateError::Unclosed)?;
            let name = &after[..close];
            let known = PLACEHOLDERS
                .iter()
                .find(|p| **p == name)
                .ok_or_else(|| LinkTemplateError::UnknownPlaceholder(name.to_owned()))?;
            parts.push(Part::Placeholder(known));
            rest = &after[close + 1..];
        }
        if !rest.is_empty() {
            parts.push(Part::Literal(rest.to_owned()));
        }
        if !parts.contains(&Part::Placeholder("token")) {
            return Err(LinkTemplateError::MissingToken);
        }
        let template = LinkTemplate {
            source: source.to_owned(),
            parts,
        };
        template.check_renders_a_url()?;
        Ok(template)
    }

    pub fn render(&self, v: &LinkValues<'_>) -> String {
        let mut out = String::with_capacity(self.source.len() + v.token.len() + 32);
        for part in &self.parts {
            match part {
                Part::Literal(s) => out.push_str(s),
                Part::Placeholder(name) => match *name {
                    "region" => out.extend(utf8_percent_encode(v.region, COMPONENT)),
                    "target_type" => out.push_str(v.target_type.as_str()),
                    "target_id" => out.extend(utf8_percent_encode(v.target_id.as_str(), COMPONENT)),
                    "workspace_id" => out.extend(utf8_percent_encode(v.workspace_id, COMPONENT)),
                    "token" => out.extend(utf8_percent_encode(v.token, COMPONENT)),
                    "expire_seconds" => out.push_str(&v.expire_seconds.to_string()),
                    "expires_at_unix" => out.push_str(&v.expires_at_unix.to_string()),
                    other => unreachable!("placeholder {other} was validated at parse time"),
                },
            }
        }
        out
    }

    fn check_renders_a_url(&self) -> Result<(), LinkTemplateError> {
        let id = TargetId::parse("dlc-sample").expect("static id is valid");
        let sample = self.render(&LinkValues {
            region: "cn-hangzhou",
            target_type: TargetType::Job,
            target_id: &id,
            workspace_id: "1001",
            token: "sample+token/=",
            expire_seconds: Expiry::MIN.as_secs().into(),
            expires_at_unix: 0,
        });
        match url::Url::parse(&sample) {
            Ok(u) if is_web_link(&u) => Ok(()),
            Ok(u) => Err(LinkTemplateError::NotAUrl(format!(
                "scheme `{}` is not http or https",
                u.scheme()
            ))),
            Err(e) => Err(LinkTemplateError::NotAUrl(e.to_string())),
        }
    }
}

/// Whether a member can open `u` in a browser and Discord accepts it on a link button:
/// http(s), with a host. Shipped templates and the URLs PAI-DLC hands back are both held to it.
pub fn is_web_link(u: &url::Url) -> bool {
    matches!(u.scheme(), "http" | "https") && u.host().is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values<'a>(id: &'a TargetId, token: &'a str) -> LinkValues<'a> {
        LinkValues {
            region: "cn-shanghai",
            target_type: TargetType::Tensorboard,
            target_id: id,
            workspace_id: "ws-1",
            token,
            expire_seconds: 3_600,
            expires_at_unix: 1_800_000_000,
        }
    }

    #[test]
    fn renders_every_placeholder_and_encodes_the_token() {
        let t = LinkTemplate::parse(
            "https://pai.example.com/{region}/{target_type}/{target_id}?token={token}&ttl={expire_seconds}&until={expires_at_unix}",
        )
        .unwrap();
        let id = TargetId::parse("tb-1").unwrap();
        assert_eq!(
            t.render(&values(&id, "a+b/c=d&e")),
            "https://pai.example.com/cn-shanghai/tensorboard/tb-1?token=a%2Bb%2Fc%3Dd%26e&ttl=3600&until=1800000000"
        );
    }

    #[test]
    fn rejects_bad_templates_with_reasons() {
        assert_eq!(
            LinkTemplate::parse("https://x/{nope}?t={token}"),
            Err(LinkTemplateError::UnknownPlaceholder("nope".into()))
        );
        assert_eq!(
            LinkTemplate::parse("https://x/{target_id"),
            Err(LinkTemplateError::Unclosed)
        );
        assert_eq!(
            LinkTemplate::parse("https://x/{target_id}"),
            Err(LinkTemplateError::MissingToken)
        );
        assert!(matches!(
            LinkTemplate::parse("javascript:{token}"),
            Err(LinkTemplateError::NotAUrl(_))
        ));
        assert!(matches!(
            LinkTemplate::parse("{token}"),
            Err(LinkTemplateError::NotAUrl(_))
        ));
        // A host alone does not make a share link: the scheme must be http(s) too.
        assert!(matches!(
            LinkTemplate::parse("ftp://files.example.com/{token}"),
            Err(LinkTemplateError::NotAUrl(_))
        ));
    }

    #[test]
    fn literal_text_after_the_last_placeholder_is_kept() {
        let t = LinkTemplate::parse("https://pai.example.com/s/{token}/open#dlc").unwrap();
        let id = TargetId::parse("dlc1").unwrap();
        assert_eq!(
            t.render(&values(&id, "tok")),
            "https://pai.example.com/s/tok/open#dlc"
        );
    }

    #[test]
    fn the_workspace_is_filled_encoded_and_empty_when_unknown() {
        let t = LinkTemplate::parse(
            "https://pai.example.com/?workspaceId={workspace_id}&token={token}#/dlc/jobs/{target_id}",
        )
        .unwrap();
        let id = TargetId::parse("dlc1").unwrap();
        assert_eq!(
            t.render(&values(&id, "tok")),
            "https://pai.example.com/?workspaceId=ws-1&token=tok#/dlc/jobs/dlc1"
        );
        let unknown = LinkValues {
            workspace_id: "",
            ..values(&id, "tok")
        };
        assert_eq!(
            t.render(&unknown),
            "https://pai.example.com/?workspaceId=&token=tok#/dlc/jobs/dlc1"
        );
        // Upstream's text never changes the URL's structure.
        let odd = LinkValues {
            workspace_id: "a&b=c#d",
            ..values(&id, "tok")
        };
        assert_eq!(
            t.render(&odd),
            "https://pai.example.com/?workspaceId=a%26b%3Dc%23d&token=tok#/dlc/jobs/dlc1"
        );
    }

    #[test]
    fn an_unknown_placeholder_lists_the_workspace_among_the_known() {
        let e = LinkTemplate::parse("https://x/{workspace}?t={token}").unwrap_err();
        assert!(e.to_string().contains("{workspace_id}"), "{e}");
    }
}
