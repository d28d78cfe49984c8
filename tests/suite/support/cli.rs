//! The real `dlc-share-bot` binary run as an operator would, isolated from the developer's
//! machine: an empty home and working directory (no `config/default.toml`, no credentials
//! file) and no environment but `PATH` and what the test passes.

use std::ffi::OsStr;
use std::process::Output;
use std::time::Duration;

pub async fn run_binary<K, V>(args: &[&str], env: impl IntoIterator<Item = (K, V)>) -> Output
where
    K: AsRef<OsStr>,
    V: AsRef<OsStr>,
{
    let home = tempfile::tempdir().expect("temp dir");
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_dlc-share-bot"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .current_dir(home.path())
        .args(args)
        .envs(env)
        .kill_on_drop(true);
    tokio::time::timeout(Duration::from_secs(60), cmd.output())
        .await
        .expect("the command finishes within a minute")
        .expect("run the binary")
}
