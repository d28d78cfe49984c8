//! `dlc-share-bot healthcheck`: asks the running bot's `/healthz` on `http.listen`, for a
//! container HEALTHCHECK (the runtime image has no curl). Exit 0 on 200, else 1 with the reason.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use anyhow::{Context, bail};

use crate::config::Settings;

/// Below Docker's default HEALTHCHECK timeout (30 s) and the usual probe timeouts.
const TIMEOUT: Duration = Duration::from_secs(2);

pub async fn run(settings: &Settings) -> anyhow::Result<()> {
    let url = healthz_url(settings.http.listen);
    let client = reqwest::Client::builder()
        .timeout(TIMEOUT)
        // The bot is local: an HTTP(S)_PROXY in the container's environment must not apply.
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .context("cannot build the HTTP client")?;
    let response = client.get(&url).send().await.map_err(|e| {
        let why = if e.is_timeout() {
            format!("no answer within {} s", TIMEOUT.as_secs())
        } else if e.is_connect() {
            "connection refused (is the bot running, with this http.listen?)".to_owned()
        } else {
            e.to_string()
        };
        anyhow::anyhow!("{url}: {why}")
    })?;
    let status = response.status();
    if !status.is_success() {
        bail!("{url}: HTTP {status}");
    }
    println!("{url}: {status}");
    Ok(())
}

/// A listener on every address (`0.0.0.0`, `::`) is reached through loopback.
fn healthz_url(listen: SocketAddr) -> String {
    let ip = match listen.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}/healthz", SocketAddr::new(ip, listen.port()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_listeners_are_reached_through_loopback() {
        assert_eq!(
            healthz_url("0.0.0.0:9090".parse().unwrap()),
            "http://127.0.0.1:9090/healthz"
        );
        assert_eq!(
            healthz_url("[::]:9090".parse().unwrap()),
            "http://[::1]:9090/healthz"
        );
        assert_eq!(
            healthz_url("10.1.2.3:8080".parse().unwrap()),
            "http://10.1.2.3:8080/healthz"
        );
    }
}
