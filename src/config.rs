//! Layered settings: built-in defaults → TOML file → `DLCSHARE_<SECTION>__<KEY>`.
//! Secrets come only from the environment or `<NAME>_FILE`, never from the TOML file.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::SecretString;
use serde::{Deserialize, Deserializer, Serialize};

use crate::share::{
    Expiry, GuildPolicy, GuildScope, GuildScopeError, LinkTemplate, LinkTemplates, RateSpec,
    RoleId, TargetRule, TensorboardLink, WorkspaceId,
};

/// The TOML file used when neither `--config` nor `DLCSHARE_CONFIG` names one.
pub const DEFAULT_CONFIG_PATH: &str = "config/default.toml";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Invalid(String),
    #[error("configuration file {path}: {reason}")]
    File { path: PathBuf, reason: String },
    #[error("{name}: cannot read {path}: {reason}")]
    SecretFile {
        name: String,
        path: PathBuf,
        reason: String,
    },
}

impl From<figment::Error> for ConfigError {
    fn from(e: figment::Error) -> Self {
        // figment names the key and where its value came from (file, env var).
        ConfigError::Invalid(e.to_string())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Network {
    Public,
    Vpc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SignatureVersion {
    /// ROA "acs" HMAC-SHA1, the default.
    V1,
    /// ACS3-HMAC-SHA256.
    V3,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AliyunSettings {
    pub region: String,
    pub network: Network,
    /// Full URL override (any scheme, host and port) for gateways and tests.
    pub endpoint: Option<String>,
    pub signature_version: SignatureVersion,
    #[serde(with = "human_duration")]
    pub connect_timeout: Duration,
    /// Per attempt.
    #[serde(with = "human_duration")]
    pub request_timeout: Duration,
    /// For all attempts together, retries included.
    #[serde(with = "human_duration")]
    pub deadline: Duration,
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// `TokenSettings.EnableCrossAccountAccess`; unset → not sent.
    pub enable_cross_account_access: Option<bool>,
    /// `TokenSettings.EnableLogDownloadJob`; unset → not sent.
    pub enable_log_download_job: Option<bool>,
    /// Look targets up (GetJob / GetTensorboard) before sharing them.
    pub lookup: bool,
    /// The workspaces the whole bot may share from; empty = any. Strings, as PAI reports them.
    #[serde(deserialize_with = "strings_or_ints")]
    pub workspaces: Vec<String>,
    /// Autocomplete the `id` option with recent jobs and TensorBoards (ListJobs /
    /// ListTensorboards).
    pub suggest: bool,
    /// How old the suggestions of a guild may get before the next autocomplete lists again.
    #[serde(with = "human_duration")]
    pub suggest_refresh: Duration,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscordSettings {
    pub api_base: String,
    pub guild_id: Option<u64>,
    /// Guild ids served besides `guild_id`, or `["*"]` for every guild. Numbers
    /// or strings, since snowflakes arrive either way from TOML and the environment.
    #[serde(deserialize_with = "strings_or_ints")]
    pub guilds: Vec<String>,
    /// Roles whose members count as guild admins, besides ADMINISTRATOR / MANAGE_GUILD.
    pub admin_roles: Vec<u64>,
    /// Allowed role ids seeded per guild id (keys are guild ids as strings).
    pub allowed_roles: BTreeMap<String, Vec<u64>>,
    /// How interactions arrive: over the gateway, or as HTTP POSTs.
    pub mode: DiscordMode,
    /// The application's Ed25519 public key (64 hex digits) that signs HTTP interactions;
    /// unset → read from the application (`verify_key`) at start-up.
    pub public_key: Option<String>,
    /// Where `POST /interactions` is served in HTTP mode.
    pub interactions_listen: SocketAddr,
}

/// How Discord delivers interactions to this process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DiscordMode {
    /// A gateway (websocket) connection; the first answer goes over REST.
    Gateway,
    /// Discord POSTs each interaction to `discord.interactions_listen`; the first answer is
    /// the HTTP response.
    Http,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSettings {
    pub listen: SocketAddr,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShareSettings {
    #[serde(with = "human_expiry")]
    pub default_expiry: Expiry,
    #[serde(with = "human_expiry")]
    pub max_expiry: Expiry,
    pub job_link_template: String,
    pub tensorboard_link_template: String,
    /// Whether a TensorBoard's link is PAI-DLC's own shared URL or a token in the template.
    pub tensorboard_link: TensorboardLinkMode,
    /// Shares worked on at once in this process; beyond it a `/share` is answered "busy" at
    /// once (and audited), so memory and latency stay bounded under any offered load.
    pub max_in_flight: NonZeroU32,
    /// How long a request above a member's cap waits for a decision, and an approved one for
    /// its claim.
    #[serde(with = "human_duration")]
    pub approval_timeout: Duration,
}

/// How a TensorBoard's link is made (`share.tensorboard_link`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TensorboardLinkMode {
    /// GetTensorboardSharedUrl's URL, as it is.
    SharedUrl,
    /// GetToken's token in `share.tensorboard_link_template`.
    Token,
}

/// Where the per-user and per-guild rate limits are kept (`ratelimit.backend`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RateLimitBackend {
    /// Per process (governor).
    Memory,
    /// Shared by every replica through PostgreSQL, governor still in front.
    Postgres,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitSettings {
    pub backend: RateLimitBackend,
    pub user_per_minute: NonZeroU32,
    pub user_burst: NonZeroU32,
    pub guild_per_minute: NonZeroU32,
    pub guild_burst: NonZeroU32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditSettings {
    pub retention_days: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    pub max_connections: u32,
    #[serde(with = "human_duration")]
    pub acquire_timeout: Duration,
    /// Bound on every statement, enforced by the bot itself (a silent server still answers
    /// nothing) and sent to the server as its `statement_timeout`.
    #[serde(with = "human_duration")]
    pub statement_timeout: Duration,
}

/// Which tokio scheduler runs the process (`runtime.flavor`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuntimeFlavor {
    /// Everything on the main thread (blocking work still goes to tokio's blocking pool):
    /// no cross-thread wake-ups, so less CPU per interaction, but one core's worth of work
    /// at most, and a worse tail past that (docs/performance.md has the figures).
    CurrentThread,
    /// tokio's work-stealing pool, one worker per core (the default): spreads the work over
    /// the cores, which keeps the tail short under bursts.
    MultiThread,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuntimeSettings {
    pub flavor: RuntimeFlavor,
}

impl RuntimeSettings {
    /// The tokio runtime this flavour names, with I/O and timers enabled.
    pub fn build(&self) -> std::io::Result<tokio::runtime::Runtime> {
        let mut builder = match self.flavor {
            RuntimeFlavor::CurrentThread => tokio::runtime::Builder::new_current_thread(),
            RuntimeFlavor::MultiThread => tokio::runtime::Builder::new_multi_thread(),
        };
        builder.enable_all().build()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub format: LogFormat,
    /// A `tracing` filter, overridden by `RUST_LOG` when that is set.
    pub level: String,
}

/// Every non-secret setting. `Debug` is safe: no secret lives here.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub aliyun: AliyunSettings,
    pub discord: DiscordSettings,
    pub http: HttpSettings,
    pub share: ShareSettings,
    pub ratelimit: RateLimitSettings,
    pub audit: AuditSettings,
    pub database: DatabaseSettings,
    pub log: LogSettings,
    pub runtime: RuntimeSettings,
}

/// The PAI console's page of the job in its workspace, with the token attached; whether the
/// console takes the token without a login is not documented by Alibaba, so operators may
/// replace it (docs/configuration.md, "Share links").
pub const DEFAULT_JOB_LINK: &str = "https://pai.console.aliyun.com/?regionId={region}&workspaceId={workspace_id}&token={token}#/dlc/jobs/{target_id}/overview";
/// The console's TensorBoard page, for `share.tensorboard_link = "token"`.
pub const DEFAULT_TENSORBOARD_LINK: &str =
    "https://pai.console.aliyun.com/?regionId={region}&token={token}#/dlc/tensorboards/{target_id}";

impl Default for Settings {
    fn default() -> Self {
        let nz = |n| NonZeroU32::new(n).expect("non-zero literal");
        Settings {
            aliyun: AliyunSettings {
                region: "cn-hangzhou".into(),
                network: Network::Public,
                endpoint: None,
                signature_version: SignatureVersion::V1,
                connect_timeout: Duration::from_secs(3),
                request_timeout: Duration::from_secs(5),
                deadline: Duration::from_secs(12),
                max_retries: 3,
                enable_cross_account_access: None,
                enable_log_download_job: None,
                lookup: true,
                workspaces: Vec::new(),
                suggest: true,
                suggest_refresh: Duration::from_secs(30),
            },
            discord: DiscordSettings {
                api_base: "https://discord.com".into(),
                guild_id: None,
                guilds: Vec::new(),
                admin_roles: Vec::new(),
                allowed_roles: BTreeMap::new(),
                mode: DiscordMode::Gateway,
                public_key: None,
                interactions_listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            },
            http: HttpSettings {
                listen: SocketAddr::from(([127, 0, 0, 1], 9090)),
            },
            share: ShareSettings {
                default_expiry: "1d".parse().expect("static expiry"),
                max_expiry: Expiry::HARD_MAX,
                job_link_template: DEFAULT_JOB_LINK.into(),
                tensorboard_link_template: DEFAULT_TENSORBOARD_LINK.into(),
                tensorboard_link: TensorboardLinkMode::SharedUrl,
                max_in_flight: nz(256),
                approval_timeout: Duration::from_secs(3_600),
            },
            ratelimit: RateLimitSettings {
                backend: RateLimitBackend::Memory,
                user_per_minute: nz(5),
                user_burst: nz(3),
                guild_per_minute: nz(60),
                guild_burst: nz(60),
            },
            audit: AuditSettings {
                retention_days: 400,
            },
            database: DatabaseSettings {
                max_connections: 10,
                acquire_timeout: Duration::from_secs(3),
                statement_timeout: Duration::from_secs(5),
            },
            log: LogSettings {
                format: LogFormat::Pretty,
                level: "info".into(),
            },
            runtime: RuntimeSettings {
                flavor: RuntimeFlavor::MultiThread,
            },
        }
    }
}

impl Settings {
    /// Loads defaults → TOML (`path`, else `DLCSHARE_CONFIG`, else `config/default.toml` when
    /// present) → `DLCSHARE_*` environment, then checks cross-field rules.
    pub fn load(path: Option<&Path>) -> Result<Settings, ConfigError> {
        let env_path = std::env::var_os("DLCSHARE_CONFIG").map(PathBuf::from);
        let file = match path.map(Path::to_path_buf).or(env_path) {
            Some(p) if !p.is_file() => {
                return Err(ConfigError::File {
                    path: p,
                    reason: "no such file".into(),
                });
            }
            Some(p) => Some(p),
            None => Some(PathBuf::from(DEFAULT_CONFIG_PATH)).filter(|p| p.is_file()),
        };
        Settings::figment(file.as_deref())
            .extract::<Settings>()?
            .validated()
    }

    fn figment(file: Option<&Path>) -> Figment {
        let mut fig = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(file) = file {
            fig = fig.merge(Toml::file_exact(file));
        }
        // An empty variable counts as unset, as an env template (`.env.example`) leaves it.
        let set = |key: &figment::value::UncasedStr| {
            std::env::var(format!("DLCSHARE_{}", key.as_str().to_ascii_uppercase()))
                .map_or(true, |value| !value.trim().is_empty())
        };
        fig.merge(
            Env::prefixed("DLCSHARE_")
                .ignore(&["config"])
                .filter(set)
                .split("__"),
        )
    }

    fn validated(self) -> Result<Settings, ConfigError> {
        let invalid = |key: &str, reason: String| ConfigError::Invalid(format!("{key}: {reason}"));
        self.default_policy()
            .map_err(|e| invalid("share.default_expiry", e.to_string()))?;
        self.link_templates()
            .map_err(|(key, e)| invalid(key, e.to_string()))?;
        if self.aliyun.region.trim().is_empty()
            || !self
                .aliyun
                .region
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(invalid(
                "aliyun.region",
                format!(
                    "`{}` is not a region id such as cn-hangzhou",
                    self.aliyun.region
                ),
            ));
        }
        if let Some(endpoint) = &self.aliyun.endpoint {
            check_base_url(endpoint).map_err(|e| invalid("aliyun.endpoint", e))?;
        }
        check_base_url(&self.discord.api_base).map_err(|e| invalid("discord.api_base", e))?;
        if let Some(key) = &self.discord.public_key {
            crate::discord::endpoint::verifier(key)
                .map_err(|e| invalid("discord.public_key", e))?;
        }
        for (key, value) in [
            ("aliyun.connect_timeout", self.aliyun.connect_timeout),
            ("aliyun.request_timeout", self.aliyun.request_timeout),
            ("aliyun.deadline", self.aliyun.deadline),
            ("database.acquire_timeout", self.database.acquire_timeout),
            (
                "database.statement_timeout",
                self.database.statement_timeout,
            ),
        ] {
            if value.is_zero() || value > MAX_TIMEOUT {
                return Err(invalid(key, "must be between 1s and 2m".into()));
            }
        }
        // A week at most, like a link; whole seconds, the database's interval precision
        // being no concern then.
        let timeout = self.share.approval_timeout;
        if timeout < Duration::from_secs(1)
            || timeout > Duration::from_secs(604_800)
            || timeout.subsec_nanos() != 0
        {
            return Err(invalid(
                "share.approval_timeout",
                "must be whole seconds between 1s and 7d".into(),
            ));
        }
        if let Err(e) = self.guild_scope()
            && e != GuildScopeError::NoneConfigured
        {
            return Err(ConfigError::Invalid(e.to_string()));
        }
        for guild in self.discord.allowed_roles.keys() {
            guild.parse::<u64>().map_err(|_| {
                invalid(
                    "discord.allowed_roles",
                    format!("`{guild}` is not a guild id"),
                )
            })?;
        }
        self.target_rule()
            .map_err(|e| invalid("aliyun.workspaces", e))?;
        // Below a second, every few keystrokes would list again.
        if self.aliyun.suggest_refresh < Duration::from_secs(1) {
            return Err(invalid(
                "aliyun.suggest_refresh",
                "must be at least 1s".into(),
            ));
        }
        if self.aliyun.deadline < self.aliyun.request_timeout {
            return Err(invalid(
                "aliyun.deadline",
                "must be at least aliyun.request_timeout".into(),
            ));
        }
        Ok(self)
    }

    /// The guilds served: `discord.guilds` plus `discord.guild_id`. Only `run` insists that
    /// one is set; the one-shot commands serve no guild.
    pub fn guild_scope(&self) -> Result<GuildScope, GuildScopeError> {
        GuildScope::from_config(&self.discord.guilds, self.discord.guild_id)
    }

    /// `aliyun.lookup` and `aliyun.workspaces`. A workspace rule without the look-up could
    /// never be checked, so that pair is refused, naming both keys.
    pub fn target_rule(&self) -> Result<TargetRule, String> {
        let workspaces = self
            .aliyun
            .workspaces
            .iter()
            .map(|raw| WorkspaceId::parse(raw).map_err(|e| format!("`{raw}`: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        if !self.aliyun.lookup && !workspaces.is_empty() {
            return Err(
                "a workspace rule needs the look-up: set aliyun.lookup = true, or \
                 aliyun.workspaces = []"
                    .into(),
            );
        }
        Ok(TargetRule {
            lookup: self.aliyun.lookup,
            workspaces,
        })
    }

    /// The policy for guilds whose admins have not set one.
    pub fn default_policy(&self) -> Result<GuildPolicy, crate::share::PolicyError> {
        GuildPolicy::new(self.share.default_expiry, self.share.max_expiry)
    }

    pub fn link_templates(
        &self,
    ) -> Result<LinkTemplates, (&'static str, crate::share::LinkTemplateError)> {
        let job = LinkTemplate::parse(&self.share.job_link_template)
            .map_err(|e| ("share.job_link_template", e))?;
        // Checked in either mode, so switching modes never reveals a broken template.
        let tensorboard = LinkTemplate::parse(&self.share.tensorboard_link_template)
            .map_err(|e| ("share.tensorboard_link_template", e))?;
        Ok(LinkTemplates {
            job,
            tensorboard: match self.share.tensorboard_link {
                TensorboardLinkMode::SharedUrl => TensorboardLink::SharedUrl,
                TensorboardLinkMode::Token => TensorboardLink::Token(tensorboard),
            },
        })
    }

    pub fn user_rate(&self) -> RateSpec {
        RateSpec {
            per_minute: self.ratelimit.user_per_minute,
            burst: self.ratelimit.user_burst,
        }
    }

    pub fn guild_rate(&self) -> RateSpec {
        RateSpec {
            per_minute: self.ratelimit.guild_per_minute,
            burst: self.ratelimit.guild_burst,
        }
    }

    pub fn admin_roles(&self) -> Vec<RoleId> {
        self.discord
            .admin_roles
            .iter()
            .copied()
            .map(RoleId)
            .collect()
    }
}

/// Longest timeout or deadline accepted: beyond it a request outlives Discord's patience, and
/// the audit job that closes abandoned rows (after 15 minutes) could race a live one.
const MAX_TIMEOUT: Duration = Duration::from_secs(120);

/// An http(s) base URL without credentials: it is shown in errors and `check` output.
/// The error text never repeats the URL, in case it held a password.
fn check_base_url(raw: &str) -> Result<(), String> {
    let parsed = url::Url::parse(raw).map_err(|e| format!("not a URL ({e})"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("must be an http or https URL".into());
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("must not contain a user name or password".into());
    }
    Ok(())
}

/// Where a secret was found: the variable `NAME` itself, or the file named by `NAME_FILE`
/// (each holds the variable's name). Shown as `environment (NAME)` / `file (NAME_FILE)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretOrigin {
    Env(String),
    File(String),
}

impl std::fmt::Display for SecretOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretOrigin::Env(var) => write!(f, "environment ({var})"),
            SecretOrigin::File(var) => write!(f, "file ({var})"),
        }
    }
}

/// `NAME_FILE` names a file that cannot be read or holds nothing. Never carries the contents.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}: cannot read {}: {reason}", .path.display())]
pub struct SecretFileError {
    /// The `NAME_FILE` variable.
    pub name: String,
    pub path: PathBuf,
    pub reason: String,
}

impl From<SecretFileError> for ConfigError {
    fn from(e: SecretFileError) -> Self {
        ConfigError::SecretFile {
            name: e.name,
            path: e.path,
            reason: e.reason,
        }
    }
}

/// Reads a secret from `NAME`, else from the file named by `NAME_FILE` (Docker secrets), in
/// the process environment. See [`secret_from`] for the rules.
pub fn secret_from_env(name: &str) -> Result<Option<SecretString>, ConfigError> {
    Ok(secret_from(&|var| std::env::var_os(var), name)?.map(|(value, _)| value))
}

/// The one reader of `NAME` / `NAME_FILE` secrets, with the environment looked up through
/// `env` (so the Alibaba credentials chain and tests can supply their own).
///
/// - `NAME` wins, taken exactly as given; empty (or not UTF-8) counts as unset.
/// - Else `NAME_FILE` (empty = unset) names a file whose trailing whitespace (the newline
///   `echo` and editors leave, CR/LF, stray spaces) is dropped; nothing else is touched. A file
///   that cannot be read, or holds only whitespace, is an error naming `NAME_FILE` and the path.
pub fn secret_from(
    env: &dyn Fn(&str) -> Option<std::ffi::OsString>,
    name: &str,
) -> Result<Option<(SecretString, SecretOrigin)>, SecretFileError> {
    if let Some(v) = env(name).and_then(|v| v.into_string().ok())
        && !v.is_empty()
    {
        return Ok(Some((v.into(), SecretOrigin::Env(name.to_owned()))));
    }
    let file_var = format!("{name}_FILE");
    let Some(path) = env(&file_var).filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let path = PathBuf::from(path);
    let content = std::fs::read_to_string(&path).map_err(|e| SecretFileError {
        name: file_var.clone(),
        path: path.clone(),
        reason: e.to_string(),
    })?;
    let value = content.trim_end();
    if value.is_empty() {
        return Err(SecretFileError {
            name: file_var,
            path,
            reason: "the file is empty".into(),
        });
    }
    Ok(Some((
        value.to_owned().into(),
        SecretOrigin::File(file_var),
    )))
}

/// Durations in config accept `90s`/`1h30m` strings or plain seconds.
mod human_duration {
    use super::*;

    pub fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::share::format_duration(*d))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let raw = StringOrInt::deserialize(d)?;
        crate::share::parse_duration(&raw.0).map_err(serde::de::Error::custom)
    }
}

mod human_expiry {
    use super::*;

    pub fn serialize<S: serde::Serializer>(e: &Expiry, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&e.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Expiry, D::Error> {
        let raw = StringOrInt::deserialize(d)?;
        raw.0.parse::<Expiry>().map_err(serde::de::Error::custom)
    }
}

/// A list whose items may be strings or integers (guild ids), kept as strings.
fn strings_or_ints<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(Vec::<StringOrInt>::deserialize(d)?
        .into_iter()
        .map(|s| s.0)
        .collect())
}

/// Environment values that look like numbers arrive as integers; durations take either.
struct StringOrInt(String);

impl<'de> Deserialize<'de> for StringOrInt {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            S(String),
            U(u64),
        }
        Ok(StringOrInt(match Raw::deserialize(d)? {
            Raw::S(s) => s,
            Raw::U(n) => n.to_string(),
        }))
    }
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment::Jail's own signature
mod tests {
    use super::*;

    fn load_with(toml: &str, env: &[(&str, &str)]) -> Result<Settings, String> {
        let mut out = None;
        figment::Jail::expect_with(|jail| {
            jail.create_file("test.toml", toml)?;
            for (k, v) in env {
                jail.set_env(k, v);
            }
            out = Some(Settings::load(Some(Path::new("test.toml"))).map_err(|e| e.to_string()));
            Ok(())
        });
        out.expect("the jail ran")
    }

    #[test]
    fn an_empty_variable_counts_as_unset() {
        let s = load_with(
            "",
            &[
                ("DLCSHARE_DISCORD__GUILD_ID", ""),
                ("DLCSHARE_ALIYUN__REGION", " "),
                ("DLCSHARE_LOG__FORMAT", "json"),
            ],
        )
        .unwrap();
        assert_eq!(s.discord.guild_id, None);
        assert_eq!(s.aliyun.region, "cn-hangzhou");
        assert_eq!(s.log.format, LogFormat::Json, "a set one still counts");
        assert!(
            s.guild_scope().is_err(),
            "and `run` still names the missing keys"
        );
    }

    #[test]
    fn a_workspace_rule_without_the_look_up_is_refused_naming_both_keys() {
        let s = load_with("", &[]).unwrap();
        assert_eq!(
            s.target_rule(),
            Ok(TargetRule::look_up_any()),
            "the default"
        );
        let err =
            load_with("[aliyun]\nlookup = false\nworkspaces = [\"ws-1\"]\n", &[]).unwrap_err();
        assert!(err.contains("aliyun.lookup"), "{err}");
        assert!(err.contains("aliyun.workspaces"), "{err}");
        let s = load_with("", &[("DLCSHARE_ALIYUN__WORKSPACES", "[\"ws-1\", 1002]")]).unwrap();
        let rule = s.target_rule().unwrap();
        let ids: Vec<&str> = rule.workspaces.iter().map(WorkspaceId::as_str).collect();
        assert_eq!(ids, ["ws-1", "1002"]);
        let err = load_with("[aliyun]\nworkspaces = [\"<@&1>\"]\n", &[]).unwrap_err();
        assert!(err.contains("aliyun.workspaces"), "{err}");
    }

    #[test]
    fn suggestions_are_on_every_30_seconds_unless_set_otherwise() {
        let s = load_with("", &[]).unwrap();
        assert!(s.aliyun.suggest);
        assert_eq!(s.aliyun.suggest_refresh, Duration::from_secs(30));
        let s = load_with(
            "[aliyun]\nsuggest_refresh = \"2m\"\n",
            &[("DLCSHARE_ALIYUN__SUGGEST", "false")],
        )
        .unwrap();
        assert!(!s.aliyun.suggest);
        assert_eq!(s.aliyun.suggest_refresh, Duration::from_secs(120));
        let e = load_with("", &[("DLCSHARE_ALIYUN__SUGGEST_REFRESH", "0s")]).unwrap_err();
        assert!(e.contains("aliyun.suggest_refresh"), "{e}");
    }

    #[test]
    fn defaults_match_the_spec() {
        let s = load_with("", &[]).unwrap();
        assert_eq!(s.aliyun.region, "cn-hangzhou");
        assert_eq!(s.aliyun.network, Network::Public);
        assert_eq!(s.aliyun.signature_version, SignatureVersion::V1);
        assert_eq!(s.discord.api_base, "https://discord.com");
        assert_eq!(s.http.listen.to_string(), "127.0.0.1:9090");
        assert_eq!(s.share.default_expiry.as_secs(), 86_400);
        assert_eq!(s.share.max_expiry.as_secs(), 604_800);
        assert_eq!(s.ratelimit.user_per_minute.get(), 5);
        assert_eq!(s.ratelimit.user_burst.get(), 3);
        assert_eq!(s.ratelimit.guild_per_minute.get(), 60);
        assert_eq!(s.ratelimit.guild_burst.get(), 60);
        assert_eq!(s.ratelimit.backend, RateLimitBackend::Memory);
        assert_eq!(s.audit.retention_days, 400);
        assert_eq!(s.log.format, LogFormat::Pretty);
        assert!(s.discord.guilds.is_empty());
        assert_eq!(s.database.statement_timeout, Duration::from_secs(5));
    }

    #[test]
    fn guilds_come_as_ids_or_an_explicit_wildcard() {
        use crate::share::GuildId;
        let s = load_with("", &[("DLCSHARE_DISCORD__GUILDS", "[\"*\"]")]).unwrap();
        assert_eq!(s.guild_scope(), Ok(GuildScope::Every));
        let s = load_with(
            "[discord]\nguilds = [\"1180000000000000001\", 1180000000000000002]\n",
            &[("DLCSHARE_DISCORD__GUILD_ID", "1180000000000000003")],
        )
        .unwrap();
        let scope = s.guild_scope().unwrap();
        for g in [
            1_180_000_000_000_000_001,
            1_180_000_000_000_000_002,
            1_180_000_000_000_000_003,
        ] {
            assert!(scope.serves(GuildId(g)), "{g}");
        }
        assert!(!scope.serves(GuildId(1_180_000_000_000_000_004)));
        let s = load_with("", &[("DLCSHARE_DISCORD__GUILDS", "[1180000000000000001]")]).unwrap();
        assert!(
            s.guild_scope()
                .unwrap()
                .serves(GuildId(1_180_000_000_000_000_001))
        );
        // Unset is fine for one-shot commands; `run` refuses it (see cli::run).
        let s = load_with("", &[]).unwrap();
        assert_eq!(s.guild_scope(), Err(GuildScopeError::NoneConfigured));
        let e = load_with("", &[("DLCSHARE_DISCORD__GUILDS", "[\"*\", 5]")]).unwrap_err();
        assert!(e.contains("discord.guilds"), "{e}");
        let e = load_with("[discord]\nguilds = [\"my-server\"]\n", &[]).unwrap_err();
        assert!(
            e.contains("discord.guilds") && e.contains("my-server"),
            "{e}"
        );
    }

    #[test]
    fn http_mode_keys() {
        let s = load_with("", &[]).unwrap();
        assert_eq!(s.discord.mode, DiscordMode::Gateway);
        assert_eq!(s.discord.public_key, None);
        assert_eq!(s.discord.interactions_listen.to_string(), "127.0.0.1:8080");
        let key = "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";
        let s = load_with(
            "[discord]\nmode = \"http\"\n",
            &[
                ("DLCSHARE_DISCORD__PUBLIC_KEY", key),
                ("DLCSHARE_DISCORD__INTERACTIONS_LISTEN", "0.0.0.0:8443"),
            ],
        )
        .unwrap();
        assert_eq!(s.discord.mode, DiscordMode::Http);
        assert_eq!(s.discord.public_key.as_deref(), Some(key));
        assert_eq!(s.discord.interactions_listen.port(), 8443);
        for bad in ["abc", &"z".repeat(64)] {
            let e = load_with("", &[("DLCSHARE_DISCORD__PUBLIC_KEY", bad)])
                .unwrap_err()
                .to_string();
            assert!(e.contains("discord.public_key"), "{e}");
        }
        let e = load_with("[discord]\nmode = \"webhook\"\n", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("mode"), "{e}");
    }

    #[test]
    fn the_runtime_flavour_is_chosen_by_file_or_environment() {
        let s = load_with("", &[]).unwrap();
        assert_eq!(s.runtime.flavor, RuntimeFlavor::MultiThread);
        let s = load_with("[runtime]\nflavor = \"current_thread\"\n", &[]).unwrap();
        assert_eq!(s.runtime.flavor, RuntimeFlavor::CurrentThread);
        let s = load_with("", &[("DLCSHARE_RUNTIME__FLAVOR", "current_thread")]).unwrap();
        assert_eq!(s.runtime.flavor, RuntimeFlavor::CurrentThread);
        let e = load_with("[runtime]\nflavor = \"threads\"\n", &[]).unwrap_err();
        assert!(e.contains("flavor"), "{e}");
        for flavor in [RuntimeFlavor::CurrentThread, RuntimeFlavor::MultiThread] {
            let rt = RuntimeSettings { flavor }.build().expect("runtime");
            assert_eq!(rt.block_on(async { 2 + 2 }), 4);
        }
    }

    #[test]
    fn the_shipped_default_toml_documents_the_built_in_defaults() {
        let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join(DEFAULT_CONFIG_PATH);
        let from_file: Settings = Figment::from(Toml::file_exact(&shipped))
            .extract()
            .expect("config/default.toml parses on its own, with every key");
        assert_eq!(
            serde_json::to_value(&from_file).unwrap(),
            serde_json::to_value(Settings::default()).unwrap()
        );
    }

    #[test]
    fn env_overrides_toml_overrides_defaults() {
        let s = load_with(
            "[aliyun]\nregion = \"cn-shanghai\"\nsignature_version = \"v3\"\n[share]\ndefault_expiry = \"2h\"\n",
            &[
                ("DLCSHARE_ALIYUN__REGION", "cn-beijing"),
                ("DLCSHARE_RATELIMIT__USER_BURST", "7"),
                ("DLCSHARE_SHARE__MAX_EXPIRY", "86400"),
                ("DLCSHARE_ALIYUN__ENDPOINT", "http://127.0.0.1:1234"),
            ],
        )
        .unwrap();
        assert_eq!(s.aliyun.region, "cn-beijing");
        assert_eq!(s.aliyun.signature_version, SignatureVersion::V3);
        assert_eq!(s.share.default_expiry.as_secs(), 7_200);
        assert_eq!(s.share.max_expiry.as_secs(), 86_400);
        assert_eq!(s.ratelimit.user_burst.get(), 7);
        assert_eq!(s.aliyun.endpoint.as_deref(), Some("http://127.0.0.1:1234"));
    }

    #[test]
    fn the_rate_limit_backend_is_memory_or_postgres() {
        let s = load_with("[ratelimit]\nbackend = \"postgres\"\n", &[]).unwrap();
        assert_eq!(s.ratelimit.backend, RateLimitBackend::Postgres);
        let s = load_with(
            "[ratelimit]\nbackend = \"postgres\"\n",
            &[("DLCSHARE_RATELIMIT__BACKEND", "memory")],
        )
        .unwrap();
        assert_eq!(s.ratelimit.backend, RateLimitBackend::Memory);
        let s = load_with("", &[("DLCSHARE_RATELIMIT__BACKEND", "postgres")]).unwrap();
        assert_eq!(s.ratelimit.backend, RateLimitBackend::Postgres);
        for bad in ["redis", "Postgres ", "pg"] {
            let e = load_with("", &[("DLCSHARE_RATELIMIT__BACKEND", bad)]).unwrap_err();
            assert!(e.to_lowercase().contains("backend"), "{bad}: {e}");
        }
        let e = load_with("[ratelimit]\nbackend = \"redis\"\n", &[]).unwrap_err();
        assert!(e.contains("ratelimit.backend"), "{e}");
    }

    #[test]
    fn a_tensorboards_link_is_its_shared_url_unless_set_to_token() {
        let s = load_with("", &[]).unwrap();
        assert_eq!(s.share.tensorboard_link, TensorboardLinkMode::SharedUrl);
        let links = s.link_templates().unwrap();
        assert!(
            links
                .template(crate::share::TargetType::Tensorboard)
                .is_none(),
            "no template: the link is the shared URL"
        );
        let s = load_with("", &[("DLCSHARE_SHARE__TENSORBOARD_LINK", "token")]).unwrap();
        assert_eq!(s.share.tensorboard_link, TensorboardLinkMode::Token);
        let links = s.link_templates().unwrap();
        assert!(
            links
                .template(crate::share::TargetType::Tensorboard)
                .is_some(),
            "GetToken into share.tensorboard_link_template"
        );
        let e = load_with("[share]\ntensorboard_link = \"url\"\n", &[]).unwrap_err();
        assert!(
            e.contains("share.tensorboard_link") && e.contains("shared_url"),
            "{e}"
        );
        let e = load_with("", &[("DLCSHARE_SHARE__TENSORBOARD_LINK", "Token")]).unwrap_err();
        assert!(
            e.to_lowercase().contains("share.tensorboard_link") && e.contains("shared_url"),
            "{e}"
        );
        // The template is checked in either mode.
        let e = load_with(
            "[share]\ntensorboard_link_template = \"https://x/{nope}?t={token}\"\n",
            &[],
        )
        .unwrap_err();
        assert!(e.contains("share.tensorboard_link_template"), "{e}");
    }

    #[test]
    fn the_shipped_job_link_opens_the_job_in_its_workspace() {
        let s = load_with("", &[]).unwrap();
        assert_eq!(
            s.share.job_link_template,
            "https://pai.console.aliyun.com/?regionId={region}&workspaceId={workspace_id}&token={token}#/dlc/jobs/{target_id}/overview"
        );
    }

    #[test]
    fn errors_name_the_key() {
        let e = load_with("[aliyun]\nregoin = \"x\"\n", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("regoin"), "{e}");
        let e = load_with("", &[("DLCSHARE_SHARE__MAX_EXPIRY", "8d")])
            .unwrap_err()
            .to_string();
        assert!(
            e.to_lowercase().contains("max_expiry") && e.contains("8d is too long"),
            "{e}"
        );
        let e = load_with("", &[("DLCSHARE_ALIYUN__SIGNATURE_VERSION", "v2")])
            .unwrap_err()
            .to_string();
        assert!(e.to_lowercase().contains("signature_version"), "{e}");
        let e = load_with("", &[("DLCSHARE_SHARE__DEFAULT_EXPIRY", "30s")])
            .unwrap_err()
            .to_string();
        assert!(e.to_lowercase().contains("default_expiry"), "{e}");
        let e = load_with(
            "[share]\ndefault_expiry = \"7d\"\nmax_expiry = \"1d\"\n",
            &[],
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("share.default_expiry"), "{e}");
        let e = load_with("[discord]\ntoken = \"abc\"\n", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("token") && !e.contains("abc"), "{e}");
        let e = load_with("", &[("DLCSHARE_ALIYUN__ENDPOINT", "not a url")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("aliyun.endpoint"), "{e}");
        let e = load_with(
            "",
            &[(
                "DLCSHARE_DISCORD__API_BASE",
                "http://proxy:s3cret@127.0.0.1:8080",
            )],
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("discord.api_base") && !e.contains("s3cret"),
            "{e}"
        );
        let e = load_with("", &[("DLCSHARE_ALIYUN__DEADLINE", "0")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("aliyun.deadline"), "{e}");
    }

    #[test]
    fn secrets_come_from_env_or_file() {
        use secrecy::ExposeSecret;
        figment::Jail::expect_with(|jail| {
            jail.create_file("token.txt", "from-file\n")?;
            jail.set_env("DLCSHARE_TEST_SECRET_FILE", "token.txt");
            let v = secret_from_env("DLCSHARE_TEST_SECRET").unwrap().unwrap();
            assert_eq!(v.expose_secret(), "from-file");
            jail.set_env("DLCSHARE_TEST_SECRET", "from-env");
            let v = secret_from_env("DLCSHARE_TEST_SECRET").unwrap().unwrap();
            assert_eq!(v.expose_secret(), "from-env");
            assert!(format!("{v:?}").find("from-env").is_none());
            jail.set_env("DLCSHARE_OTHER_SECRET_FILE", "missing.txt");
            let e = secret_from_env("DLCSHARE_OTHER_SECRET")
                .unwrap_err()
                .to_string();
            assert!(e.contains("DLCSHARE_OTHER_SECRET_FILE") && e.contains("missing.txt"));
            Ok(())
        });
    }

    #[test]
    fn secret_files_lose_trailing_whitespace_only() {
        use secrecy::ExposeSecret;
        let dir = tempfile::tempdir().unwrap();
        let file = |name: &str, content: &str| {
            let p = dir.path().join(name);
            std::fs::write(&p, content).unwrap();
            p.into_os_string()
        };
        let vars: BTreeMap<&str, std::ffi::OsString> = [
            ("PADDED_FILE", file("padded", " lead kept \t \r\n\n")),
            ("BLANK_FILE", file("blank", " \r\n\t\n")),
            ("EMPTY", "".into()),
            ("EMPTY_FILE", file("empty-var", "from-file\n")),
            ("SPACED", " as given ".into()),
            ("SPACED_FILE", file("ignored", "not read\n")),
            ("UNSET_FILE", "".into()),
        ]
        .into();
        let env = |name: &str| vars.get(name).cloned();
        let read = |name| secret_from(&env, name);

        let (v, from) = read("PADDED").unwrap().unwrap();
        assert_eq!(v.expose_secret(), " lead kept");
        assert_eq!(from, SecretOrigin::File("PADDED_FILE".into()));
        assert_eq!(from.to_string(), "file (PADDED_FILE)");
        let e = read("BLANK").unwrap_err();
        assert_eq!(e.name, "BLANK_FILE");
        assert!(e.to_string().contains("the file is empty"), "{e}");
        // An empty variable is unset: its _FILE is read instead.
        let (v, _) = read("EMPTY").unwrap().unwrap();
        assert_eq!(v.expose_secret(), "from-file");
        // A value from the environment is kept exactly as given.
        let (v, from) = read("SPACED").unwrap().unwrap();
        assert_eq!(v.expose_secret(), " as given ");
        assert_eq!(from.to_string(), "environment (SPACED)");
        assert!(read("UNSET").unwrap().is_none());
        assert!(read("NOWHERE").unwrap().is_none());
    }
}
