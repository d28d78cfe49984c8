//! A fresh PostgreSQL database per test (or demo run), on the server `DATABASE_URL` names
//! (`scripts/with-postgres.sh`, which `scripts/test.sh` and `scripts/demo.sh` use, starts a
//! throwaway one).

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{AssertSqlSafe, ConnectOptions, PgPool};

pub struct TestDatabase {
    pub url: String,
    pub name: String,
    admin: PgPool,
}

impl TestDatabase {
    /// Creates an empty database named after the test; the bot migrates it at start-up.
    pub async fn create(prefix: &str) -> TestDatabase {
        let base = std::env::var("DATABASE_URL")
            .expect("DATABASE_URL must be set: run through scripts/with-postgres.sh");
        let admin_opts: PgConnectOptions = base.parse().expect("DATABASE_URL parses");
        let admin = PgPoolOptions::new()
            .max_connections(2)
            .connect_with(admin_opts.clone())
            .await
            .expect("connect to the test server");
        let name = format!("{prefix}_{:016x}", rand::random::<u64>());
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(&admin)
            .await
            .expect("create the test database");
        let url = admin_opts.database(&name).to_url_lossy().to_string();
        TestDatabase { url, name, admin }
    }

    /// A pool on the test database, for assertions.
    pub async fn pool(&self) -> PgPool {
        PgPoolOptions::new()
            .max_connections(4)
            .connect(&self.url)
            .await
            .expect("connect to the test database")
    }

    /// Makes the database refuse every connection and drops those open: "the database is down"
    /// for this test only.
    pub async fn take_offline(&self) {
        sqlx::query(AssertSqlSafe(format!(
            "ALTER DATABASE \"{}\" ALLOW_CONNECTIONS false",
            self.name
        )))
        .execute(&self.admin)
        .await
        .expect("disallow connections");
        sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()")
            .bind(&self.name)
            .execute(&self.admin)
            .await
            .expect("terminate sessions");
    }

    pub async fn bring_online(&self) {
        sqlx::query(AssertSqlSafe(format!(
            "ALTER DATABASE \"{}\" ALLOW_CONNECTIONS true",
            self.name
        )))
        .execute(&self.admin)
        .await
        .expect("allow connections");
    }
}
