//! Alibaba Cloud credentials, first found wins: environment variables, the same
//! names with `_FILE` (Docker secrets), then the Alibaba Cloud credentials INI file.

use std::collections::HashMap;
use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;

use configparser::ini::{Ini, IniDefault};
use secrecy::{ExposeSecret, SecretString};

use crate::config::{SecretFileError, SecretOrigin, secret_from};

pub const ENV_ACCESS_KEY_ID: &str = "ALIBABA_CLOUD_ACCESS_KEY_ID";
pub const ENV_ACCESS_KEY_SECRET: &str = "ALIBABA_CLOUD_ACCESS_KEY_SECRET";
pub const ENV_SECURITY_TOKEN: &str = "ALIBABA_CLOUD_SECURITY_TOKEN";
pub const ENV_CREDENTIALS_FILE: &str = "ALIBABA_CLOUD_CREDENTIALS_FILE";
pub const ENV_PROFILE: &str = "ALIBABA_CLOUD_PROFILE";

/// An AccessKey pair, optionally with an STS token. `Debug` shows only the key id.
#[derive(Clone)]
pub struct Credentials {
    pub access_key_id: String,
    access_key_secret: SecretString,
    security_token: Option<SecretString>,
    /// Where they came from, for `check` and error messages.
    pub source: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &"[redacted]")
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "[redacted]"),
            )
            .field("source", &self.source)
            .finish()
    }
}

impl Credentials {
    pub fn new(
        access_key_id: impl Into<String>,
        access_key_secret: SecretString,
        security_token: Option<SecretString>,
        source: impl Into<String>,
    ) -> Self {
        Credentials {
            access_key_id: access_key_id.into(),
            access_key_secret,
            security_token,
            source: source.into(),
        }
    }

    /// `LTAI…eyId`: enough to tell keys apart in logs and `check`, too little to be one.
    pub fn masked_key_id(&self) -> String {
        let chars: Vec<char> = self.access_key_id.chars().collect();
        if chars.len() <= 8 {
            return "…".into();
        }
        let head: String = chars[..4].iter().collect();
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("{head}…{tail}")
    }

    pub fn access_key_secret(&self) -> &SecretString {
        &self.access_key_secret
    }

    pub fn security_token(&self) -> Option<&SecretString> {
        self.security_token.as_ref()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error(
        "no Alibaba Cloud credentials: set {ENV_ACCESS_KEY_ID} and {ENV_ACCESS_KEY_SECRET} (or their _FILE variants), or create {0}"
    )]
    Missing(String),
    #[error("{present} is set but {missing} is not")]
    Incomplete {
        present: &'static str,
        missing: &'static str,
    },
    /// A `*_FILE` variable names a file that cannot be read or is empty.
    #[error(transparent)]
    SecretFile(#[from] SecretFileError),
    #[error("credentials file {path}: {reason}")]
    File { path: String, reason: String },
}

/// Where the chain looks, so tests can run it without touching the process environment.
pub struct Sources<'a> {
    pub env: &'a dyn Fn(&str) -> Option<String>,
    pub home: Option<PathBuf>,
}

/// Loads from the real environment and home directory.
pub fn load() -> Result<Credentials, CredentialsError> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    load_from(&Sources {
        env: &env,
        home: std::env::home_dir(),
    })
}

pub fn load_from(src: &Sources<'_>) -> Result<Credentials, CredentialsError> {
    let id = variable(src, ENV_ACCESS_KEY_ID)?;
    let secret = variable(src, ENV_ACCESS_KEY_SECRET)?;
    let token = variable(src, ENV_SECURITY_TOKEN)?;
    match (id, secret) {
        (Some((id, from)), Some((secret, _))) => {
            return Ok(Credentials::new(
                id.expose_secret(),
                secret,
                token.map(|(t, _)| t),
                from.to_string(),
            ));
        }
        (Some(_), None) => {
            return Err(CredentialsError::Incomplete {
                present: ENV_ACCESS_KEY_ID,
                missing: ENV_ACCESS_KEY_SECRET,
            });
        }
        (None, Some(_)) => {
            return Err(CredentialsError::Incomplete {
                present: ENV_ACCESS_KEY_SECRET,
                missing: ENV_ACCESS_KEY_ID,
            });
        }
        (None, None) => {}
    }
    from_file(src)
}

/// `NAME`, else the contents of the file named by `NAME_FILE`, by the same rules as every other
/// secret (`config::secret_from`); returns where it came from.
fn variable(
    src: &Sources<'_>,
    name: &str,
) -> Result<Option<(SecretString, SecretOrigin)>, CredentialsError> {
    let env = |var: &str| (src.env)(var).map(OsString::from);
    Ok(secret_from(&env, name)?)
}

fn from_file(src: &Sources<'_>) -> Result<Credentials, CredentialsError> {
    let explicit = (src.env)(ENV_CREDENTIALS_FILE);
    let default = src
        .home
        .as_ref()
        .map(|h| h.join(".alibabacloud").join("credentials"));
    let path = match (&explicit, default) {
        (Some(p), _) => PathBuf::from(p),
        (None, Some(p)) if p.is_file() => p,
        (None, Some(p)) => return Err(CredentialsError::Missing(p.display().to_string())),
        (None, None) => {
            return Err(CredentialsError::Missing(
                "~/.alibabacloud/credentials".into(),
            ));
        }
    };
    let shown = path.display().to_string();
    let file_err = |reason: String| CredentialsError::File {
        path: shown.clone(),
        reason,
    };
    let text = std::fs::read_to_string(&path).map_err(|e| file_err(e.to_string()))?;
    let profile_name = (src.env)(ENV_PROFILE).unwrap_or_else(|| "default".into());
    let sections = parse_ini(&text).map_err(file_err)?;
    let profile = sections
        .get(&profile_name)
        .ok_or_else(|| file_err(format!("no profile [{profile_name}]")))?;
    let get = |key: &str| {
        profile
            .get(key)
            .filter(|v| !v.is_empty())
            .cloned()
            .ok_or_else(|| file_err(format!("profile [{profile_name}] has no `{key}`")))
    };
    let kind = profile
        .get("type")
        .map(String::as_str)
        .unwrap_or("access_key");
    let token = match kind {
        "access_key" => None,
        "sts" => Some(get("security_token")?.into()),
        other => {
            return Err(file_err(format!(
                "profile [{profile_name}] has type `{other}`; only `access_key` and `sts` are supported"
            )));
        }
    };
    Ok(Credentials::new(
        get("access_key_id")?,
        get("access_key_secret")?.into(),
        token,
        format!("{shown} [{profile_name}]"),
    ))
}

type Sections = HashMap<String, HashMap<String, Option<String>>>;

/// Where configparser files keys that come before any `[profile]`: a name no `[...]` line can
/// produce, so such keys are found and refused.
const NO_PROFILE: &str = "\n";

/// The INI the Alibaba credentials file uses, read by `configparser`: `[profile]` sections
/// (case-sensitive, repeated ones merged), `key = value` (`=` only: `:` may occur in values),
/// whole-line `#`/`;` comments and no inline ones (a value may hold either), surrounding double
/// quotes dropped. Errors never quote a line: a malformed one may be a pasted secret.
fn parse_ini(text: &str) -> Result<HashMap<String, HashMap<String, String>>, String> {
    let mut rules = IniDefault::default();
    rules.default_section = NO_PROFILE.into();
    rules.delimiters = vec!['='];
    rules.case_sensitive = true;
    rules.enable_inline_comments = false;
    rules.multiline = false;
    let sections: Sections = Ini::new_from_defaults(rules).read(text.to_owned())?;
    if sections.contains_key(NO_PROFILE) {
        return Err("a key before any [profile]".into());
    }
    sections
        .into_iter()
        .map(|(name, keys)| {
            let keys = keys
                .into_iter()
                .map(|(key, value)| match value {
                    Some(v) => Ok((key, v.trim_matches('"').to_owned())),
                    None => Err(format!(
                        "profile [{name}]: a line that is not `key = value`"
                    )),
                })
                .collect::<Result<_, String>>()?;
            Ok((name, keys))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(vars: &[(&str, &str)], home: Option<PathBuf>) -> Result<Credentials, CredentialsError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let env = move |name: &str| vars.get(name).cloned();
        load_from(&Sources { env: &env, home })
    }

    #[test]
    fn environment_wins() {
        let c = run(
            &[
                (ENV_ACCESS_KEY_ID, "id"),
                (ENV_ACCESS_KEY_SECRET, "sec"),
                (ENV_SECURITY_TOKEN, "sts"),
                (ENV_CREDENTIALS_FILE, "/nonexistent"),
            ],
            None,
        )
        .unwrap();
        assert_eq!(c.access_key_id, "id");
        assert_eq!(c.source, "environment (ALIBABA_CLOUD_ACCESS_KEY_ID)");
        assert_eq!(c.access_key_secret().expose_secret(), "sec");
        assert_eq!(c.security_token().unwrap().expose_secret(), "sts");
        let debug = format!("{c:?}");
        assert!(
            !debug.contains("sec\"") && !debug.contains("sts\""),
            "{debug}"
        );
    }

    #[test]
    fn file_variants_are_read_and_trimmed() {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("secret");
        std::fs::write(&secret, "from-file\n").unwrap();
        let c = run(
            &[
                (ENV_ACCESS_KEY_ID, "id"),
                (
                    "ALIBABA_CLOUD_ACCESS_KEY_SECRET_FILE",
                    secret.to_str().unwrap(),
                ),
            ],
            None,
        )
        .unwrap();
        assert_eq!(c.access_key_secret().expose_secret(), "from-file");
        // The same rule as every secret: trailing whitespace goes, leading is kept, an
        // all-whitespace file is an error.
        std::fs::write(&secret, " padded \t\r\n").unwrap();
        let vars = [
            (ENV_ACCESS_KEY_SECRET, "sec"),
            ("ALIBABA_CLOUD_ACCESS_KEY_ID_FILE", secret.to_str().unwrap()),
        ];
        let c = run(&vars, None).unwrap();
        assert_eq!(c.access_key_id, " padded");
        assert_eq!(c.source, "file (ALIBABA_CLOUD_ACCESS_KEY_ID_FILE)");
        std::fs::write(&secret, " \n").unwrap();
        let e = run(&vars, None).unwrap_err();
        assert!(e.to_string().contains("the file is empty"), "{e}");
        let e = run(
            &[
                (ENV_ACCESS_KEY_ID, "id"),
                ("ALIBABA_CLOUD_ACCESS_KEY_SECRET_FILE", "/nonexistent/x"),
            ],
            None,
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("ALIBABA_CLOUD_ACCESS_KEY_SECRET_FILE")
        );
    }

    #[test]
    fn key_ids_are_masked() {
        let c = |id: &str| Credentials::new(id, "s".to_owned().into(), None, "test");
        assert_eq!(c("LTAI5tTestKeyId").masked_key_id(), "LTAI…eyId");
        assert_eq!(c("short").masked_key_id(), "…");
    }

    #[test]
    fn half_a_pair_is_an_error() {
        let e = run(&[(ENV_ACCESS_KEY_ID, "id")], None).unwrap_err();
        assert!(matches!(e, CredentialsError::Incomplete { .. }), "{e}");
    }

    #[test]
    fn credentials_file_profiles() {
        let dir = tempfile::tempdir().unwrap();
        let ali = dir.path().join(".alibabacloud");
        std::fs::create_dir_all(&ali).unwrap();
        std::fs::write(
            ali.join("credentials"),
            "# comment\n[default]\ntype = access_key\naccess_key_id = def-id\naccess_key_secret = def-secret\n\n[ops]\ntype = sts\naccess_key_id = \"ops-id\"\naccess_key_secret = ops-secret\nsecurity_token = ops-token\n[weird]\ntype = ram_role_arn\n",
        )
        .unwrap();
        let home = Some(dir.path().to_path_buf());
        let c = run(&[], home.clone()).unwrap();
        assert_eq!(c.access_key_id, "def-id");
        assert!(c.security_token().is_none());
        let c = run(&[(ENV_PROFILE, "ops")], home.clone()).unwrap();
        assert_eq!(c.access_key_id, "ops-id");
        assert_eq!(c.security_token().unwrap().expose_secret(), "ops-token");
        let e = run(&[(ENV_PROFILE, "nope")], home.clone()).unwrap_err();
        assert!(e.to_string().contains("no profile [nope]"), "{e}");
        let e = run(&[(ENV_PROFILE, "weird")], home).unwrap_err();
        assert!(e.to_string().contains("ram_role_arn"), "{e}");
    }

    #[test]
    fn credentials_file_syntax() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials");
        let vars = [(ENV_CREDENTIALS_FILE, path.to_str().unwrap())];
        let load = |text: &str| {
            std::fs::write(&path, text).unwrap();
            run(&vars, None)
        };
        // CRLF, indentation, `;` comments, `:` `#` `;` inside values, the last of a repeated key.
        let c = load(
            "; comment\r\n  [default]  \r\naccess_key_id = old\r\n\taccess_key_id = \"a:b#c;d\"\r\naccess_key_secret=s=e#c\r\n",
        )
        .unwrap();
        assert_eq!(c.access_key_id, "a:b#c;d");
        assert_eq!(c.access_key_secret().expose_secret(), "s=e#c");
        assert!(c.source.ends_with("credentials [default]"), "{}", c.source);
        // Profile names are case-sensitive.
        let e = load("[Default]\naccess_key_id = i\naccess_key_secret = s\n").unwrap_err();
        assert!(e.to_string().contains("no profile [default]"), "{e}");
        // An empty value is missing, and the message names file, profile and key.
        let e = load("[default]\naccess_key_id =\naccess_key_secret = s\n").unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains(path.to_str().unwrap())
                && msg.contains("profile [default] has no `access_key_id`"),
            "{msg}"
        );
        let e = load("access_key_id = i\n[default]\n").unwrap_err();
        assert!(e.to_string().contains("before any [profile]"), "{e}");
        // A stray line (a pasted secret, say) is refused without being quoted.
        let e = load("[default]\naccess_key_id = i\nLTAIpastedSecretValue\n").unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("not `key = value`"), "{msg}");
        assert!(!msg.contains("LTAIpasted"), "{msg}");
        let e = load("[default\naccess_key_id = i\n").unwrap_err();
        assert!(matches!(e, CredentialsError::File { .. }), "{e}");
    }

    #[test]
    fn nothing_anywhere_says_where_to_look() {
        let dir = tempfile::tempdir().unwrap();
        let e = run(&[], Some(dir.path().to_path_buf())).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains(ENV_ACCESS_KEY_ID) && msg.contains(".alibabacloud"),
            "{msg}"
        );
    }
}
