//! `dlc-share-bot migrate`: bring the schema up to date, then prune audit rows past retention
//! once (the running bot does the same periodically).

use crate::config::Settings;
use crate::store::{self, PgStore};

pub async fn run(settings: &Settings) -> anyhow::Result<()> {
    let store = store::connect_required(&settings.database).await?;
    let result = migrate_and_prune(&store, settings.audit.retention_days).await;
    store.close().await;
    for line in result? {
        println!("{line}");
    }
    Ok(())
}

/// Does the work and describes it, one line per step.
async fn migrate_and_prune(store: &PgStore, retention_days: u32) -> anyhow::Result<Vec<String>> {
    let applied = store.migrate().await?;
    let latest = store::latest_known_version();
    let schema = if applied.is_empty() {
        format!("database schema already current (migration {latest})")
    } else {
        let list: Vec<String> = applied.iter().map(i64::to_string).collect();
        format!(
            "applied migration(s) {}; database schema now at migration {latest}",
            list.join(", ")
        )
    };
    let retention = if retention_days == 0 {
        "audit retention disabled (audit.retention_days = 0): nothing pruned".to_owned()
    } else {
        let pruned = store.prune(retention_days).await?;
        format!("pruned {pruned} audit row(s) older than {retention_days} days")
    };
    Ok(vec![schema, retention])
}
