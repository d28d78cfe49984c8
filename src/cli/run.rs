//! `dlc-share-bot run`: the bot, until SIGTERM or SIGINT (see [`crate::app`]).

use crate::app::Application;
use crate::config::Settings;

pub async fn run(settings: &Settings) -> anyhow::Result<()> {
    // Listen for SIGTERM/SIGINT before anything else: one arriving during start-up is then
    // honoured (gracefully, once the bot is up) instead of killing the process with 143.
    let signalled = tokio::spawn(shutdown_signal());
    let app = Application::build(settings.clone()).await?;
    app.run_until_stopped(async {
        let _ = signalled.await;
    })
    .await
}

/// SIGTERM (Docker, systemd, Kubernetes) or SIGINT (Ctrl-C).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
