//! What the server's integration test files share: a throwaway store on each backend.

use std::future::Future;

use sqlx::{AssertSqlSafe, Connection};

/// Runs `scenario` on a new SQLite store in a temporary directory (deleted afterwards).
pub async fn with_sqlite<F, Fut>(scenario: F)
where
    F: FnOnce(lazo_store_sqlite::SqliteStore) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().unwrap();
    let store = lazo_store_sqlite::SqliteStore::open(dir.path())
        .await
        .unwrap();
    scenario(store).await;
}

fn pg_server() -> Option<String> {
    ["LAZO_TEST_POSTGRES_URL", "DATABASE_URL"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|u| lazo_store_postgres::is_postgres_url(u))
}

/// Runs `scenario` on a PostgreSQL store in a schema of its own, given with the URL that
/// selects it (for a second connection); the schema is dropped afterwards, whatever the
/// outcome. Without a server (`LAZO_TEST_POSTGRES_URL` or `DATABASE_URL`) it says so on stderr
/// and returns; CI's `LAZO_TEST_REQUIRE_POSTGRES=1` turns that into a failure.
pub async fn with_postgres<F, Fut>(what: &str, scenario: F)
where
    F: FnOnce(lazo_store_postgres::PgStore, String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(server) = pg_server() else {
        let required =
            std::env::var("LAZO_TEST_REQUIRE_POSTGRES").is_ok_and(|v| !v.is_empty() && v != "0");
        assert!(
            !required,
            "{what}: LAZO_TEST_REQUIRE_POSTGRES is set but no DATABASE_URL names a server"
        );
        eprintln!("{what}: PostgreSQL scenario SKIPPED (no DATABASE_URL)");
        return;
    };
    let schema = format!("lazo_test_{:032x}", rand_u128());
    let mut admin = sqlx::PgConnection::connect(&server).await.unwrap();
    sqlx::raw_sql(AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut admin)
        .await
        .unwrap();
    let sep = if server.contains('?') { '&' } else { '?' };
    let url = format!("{server}{sep}options=-c%20search_path%3D{schema}");
    let store = lazo_store_postgres::PgStore::connect(&url).await.unwrap();
    let outcome = tokio::spawn(scenario(store.clone(), url)).await;
    store.close().await;
    sqlx::raw_sql(AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(&mut admin)
        .await
        .unwrap();
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// A random number without a dependency (names of schemas and such).
pub fn rand_u128() -> u128 {
    use std::hash::{BuildHasher, RandomState};
    let a = RandomState::new().hash_one(1u8);
    let b = RandomState::new().hash_one(2u8);
    (u128::from(a) << 64) | u128::from(b)
}
