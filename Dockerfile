# syntax=docker/dockerfile:1
#
# dlc-share-bot container image: a Rust build stage with a cached dependency layer
# (cargo-chef), and a small Debian runtime that runs the bot as an unprivileged user.
#
#   docker build -t dlc-share-bot .
#   docker run --env-file .env dlc-share-bot            # the bot (CMD run)
#   docker run --env-file .env dlc-share-bot check      # verify the configuration first
#
# No secret is baked in: DISCORD_TOKEN, DATABASE_URL and the ALIBABA_CLOUD_* variables come
# from the environment (or <NAME>_FILE, e.g. Docker secrets) at run time.

ARG RUST_IMAGE=rust:1-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

# --- cargo-chef: turns the manifests into a "recipe" that only changes with dependencies ---
FROM ${RUST_IMAGE} AS chef
RUN cargo install cargo-chef --locked --version ^0.1
WORKDIR /src

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

# --- build: dependencies first (cached until Cargo.toml/Cargo.lock change), then the bot ---
FROM chef AS builder
COPY --from=planner /src/recipe.json recipe.json
RUN cargo chef cook --release --locked --recipe-path recipe.json
COPY . .
# The same release build CI runs.
RUN cargo build --release --locked --bin dlc-share-bot \
    && cp target/release/dlc-share-bot /usr/local/bin/dlc-share-bot

# --- runtime: the binary carries its TLS roots (rustls + webpki-roots); ca-certificates is
# kept for operators' own tooling and health scripts, nothing else is installed ---
FROM ${RUNTIME_IMAGE} AS runtime
# Unpinned on purpose: ca-certificates must follow Debian's security updates.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 dlcshare \
    && useradd --system --uid 10001 --gid dlcshare --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin dlcshare
COPY --from=builder /usr/local/bin/dlc-share-bot /usr/local/bin/dlc-share-bot
# config/default.toml is found relative to the working directory; override single keys with
# DLCSHARE_<SECTION>__<KEY>, or mount another file and set DLCSHARE_CONFIG.
COPY config/ /app/config/
WORKDIR /app
# Health, readiness and metrics must be reachable from outside the container.
ENV DLCSHARE_HTTP__LISTEN=0.0.0.0:9090
EXPOSE 9090
USER 10001:10001
# The image has no curl: the binary asks its own /healthz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["dlc-share-bot", "healthcheck"]
# SIGTERM (docker stop) drains in-flight interactions, then exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["dlc-share-bot"]
CMD ["run"]
