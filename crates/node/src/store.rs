//! Persistence: the [`Store`] seam, with SQLite (the default) and PostgreSQL implementations.
//!
//! Quotes are stored when issued; on exec the quote is marked executed and its userOps inserted
//! in one transaction, so a replayed exec is refused and the executor resumes after a restart.
//! The executor claims userOps with a `PENDING → MINING` transition in one statement, so no
//! userOp is submitted twice by two executors.

use std::{str::FromStr, sync::Arc, time::Duration};

use alloy::primitives::B256;
use async_trait::async_trait;
use mee_primitives::api::{ExecutionStatus, QuoteResponse, UserOpJson};
use sqlx::{
    Row,
    postgres::{PgPool, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions},
};

use crate::error::{Error, Result};

/// A quote the node issued.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredQuote {
    /// The quote as returned to the client.
    pub quote: QuoteResponse,
    /// When it was issued (unix seconds).
    pub created_at: u64,
    /// After this (unix seconds) it can no longer be executed.
    pub expires_at: u64,
    /// When it was executed, if it was.
    pub executed_at: Option<u64>,
}

/// A userOp of an executed supertransaction, with its execution state.
#[derive(Clone, Debug, PartialEq)]
pub struct OpRecord {
    /// The supertransaction.
    pub stx_hash: B256,
    /// The index in the quote (0 = the payment userOp).
    pub index: u32,
    /// The chain.
    pub chain_id: u64,
    /// Whether it is a cleanup userOp (runs after the others).
    pub is_cleanup: bool,
    /// Not before this unix time.
    pub lower_bound: u64,
    /// Not after this unix time.
    pub upper_bound: u64,
    /// The signed userOp.
    pub user_op: UserOpJson,
    /// Its hash.
    pub user_op_hash: B256,
    /// Where it is.
    pub status: ExecutionStatus,
    /// The transaction that carried it.
    pub tx_hash: Option<B256>,
    /// Why it failed.
    pub error: Option<String>,
    /// The block it was mined in.
    pub block_number: Option<u64>,
    /// Whether its final status has enough confirmations.
    pub confirmed: bool,
}

/// A change of a userOp's execution state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpUpdate {
    /// The new status.
    pub status: ExecutionStatus,
    /// The carrying transaction.
    pub tx_hash: Option<B256>,
    /// Why it failed.
    pub error: Option<String>,
    /// The inclusion block.
    pub block_number: Option<u64>,
    /// Whether confirmed.
    pub confirmed: bool,
}

/// Where quotes and supertransactions live.
#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug {
    /// Stores a newly issued quote.
    async fn insert_quote(&self, quote: &StoredQuote) -> Result<()>;
    /// The quote with this hash.
    async fn quote(&self, hash: B256) -> Result<Option<StoredQuote>>;
    /// Marks the quote executed at `at` and stores its userOps, atomically. Returns `false`
    /// (and changes nothing) when it was already executed.
    async fn execute(&self, hash: B256, at: u64, ops: &[OpRecord]) -> Result<bool>;
    /// The userOps of a supertransaction, by index.
    async fn ops(&self, hash: B256) -> Result<Vec<OpRecord>>;
    /// The userOps on a chain that still need the executor: pending, mining, or mined but not
    /// confirmed.
    async fn active_ops(&self, chain_id: u64) -> Result<Vec<OpRecord>>;
    /// Claims userOps for submission (`PENDING → MINING`); returns the indices claimed.
    async fn claim(&self, hash: B256, indices: &[u32]) -> Result<Vec<u32>>;
    /// Records a userOp's new state.
    async fn update(&self, hash: B256, index: u32, update: &OpUpdate) -> Result<()>;
}

/// Opens the store at `url`: `sqlite://path` (created if missing), `sqlite::memory:`, or
/// `postgres://…`. Applies the migrations.
pub async fn connect(url: &str) -> Result<Arc<dyn Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStore::connect(url).await?))
    } else if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::connect(url).await?))
    } else {
        Err(Error::Config(format!(
            "unsupported database URL {url:?} (sqlite:… or postgres://…)"
        )))
    }
}

/// The schema, one entry per version; applied in order, each once.
const MIGRATIONS: &[(i64, &str)] = &[(
    1,
    "CREATE TABLE quotes (
        hash TEXT PRIMARY KEY,
        body TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        executed_at BIGINT
    );
    CREATE TABLE user_ops (
        stx_hash TEXT NOT NULL REFERENCES quotes (hash),
        idx BIGINT NOT NULL,
        chain_id BIGINT NOT NULL,
        is_cleanup BOOLEAN NOT NULL,
        lower_bound BIGINT NOT NULL,
        upper_bound BIGINT NOT NULL,
        user_op TEXT NOT NULL,
        user_op_hash TEXT NOT NULL,
        status TEXT NOT NULL,
        tx_hash TEXT,
        error TEXT,
        block_number BIGINT,
        confirmed BOOLEAN NOT NULL,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (stx_hash, idx)
    );
    CREATE INDEX user_ops_by_chain_status ON user_ops (chain_id, status, confirmed);",
)];

const OP_COLUMNS: &str = "stx_hash, idx, chain_id, is_cleanup, lower_bound, upper_bound, \
     user_op, user_op_hash, status, tx_hash, error, block_number, confirmed";

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn corrupt(what: impl std::fmt::Display) -> Error {
    Error::Corrupt(what.to_string())
}

fn parse_hash(text: &str) -> Result<B256> {
    B256::from_str(text).map_err(|e| corrupt(format!("hash {text:?}: {e}")))
}

fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn to_u64(value: i64) -> u64 {
    u64::try_from(value).unwrap_or_default()
}

/// Rewrites `?` placeholders as `$1, $2, …` for PostgreSQL.
fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(c);
        }
    }
    out
}

/// The same store code for both backends: `$pool` is the pool type, `$sql` turns a `?`-style
/// statement into the backend's, `$claim` is the claim statement.
macro_rules! sql_store {
    ($store:ident, $pool:ty, $sql:expr, $claim:expr) => {
        impl $store {
            async fn migrate(&self) -> Result<()> {
                let sql: fn(&str) -> String = $sql;
                sqlx::raw_sql("CREATE TABLE IF NOT EXISTS mee_schema (version BIGINT PRIMARY KEY)")
                    .execute(&self.pool)
                    .await?;
                for (version, migration) in MIGRATIONS {
                    let mut tx = self.pool.begin().await?;
                    let applied =
                        sqlx::query(&sql("SELECT version FROM mee_schema WHERE version = ?"))
                            .bind(*version)
                            .fetch_optional(&mut *tx)
                            .await?
                            .is_some();
                    if !applied {
                        sqlx::raw_sql(migration).execute(&mut *tx).await?;
                        sqlx::query(&sql("INSERT INTO mee_schema (version) VALUES (?)"))
                            .bind(*version)
                            .execute(&mut *tx)
                            .await?;
                    }
                    tx.commit().await?;
                }
                Ok(())
            }
        }

        #[async_trait]
        impl Store for $store {
            async fn insert_quote(&self, quote: &StoredQuote) -> Result<()> {
                let sql: fn(&str) -> String = $sql;
                let body = serde_json::to_string(&quote.quote).map_err(corrupt)?;
                sqlx::query(&sql(
                    "INSERT INTO quotes (hash, body, created_at, expires_at, executed_at) \
                     VALUES (?, ?, ?, ?, NULL)",
                ))
                .bind(quote.quote.hash.to_string())
                .bind(body)
                .bind(to_i64(quote.created_at))
                .bind(to_i64(quote.expires_at))
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn quote(&self, hash: B256) -> Result<Option<StoredQuote>> {
                let sql: fn(&str) -> String = $sql;
                let row = sqlx::query(&sql(
                    "SELECT body, created_at, expires_at, executed_at FROM quotes WHERE hash = ?",
                ))
                .bind(hash.to_string())
                .fetch_optional(&self.pool)
                .await?;
                let Some(row) = row else { return Ok(None) };
                let body: String = row.try_get("body")?;
                Ok(Some(StoredQuote {
                    quote: serde_json::from_str(&body).map_err(corrupt)?,
                    created_at: to_u64(row.try_get("created_at")?),
                    expires_at: to_u64(row.try_get("expires_at")?),
                    executed_at: row.try_get::<Option<i64>, _>("executed_at")?.map(to_u64),
                }))
            }

            async fn execute(&self, hash: B256, at: u64, ops: &[OpRecord]) -> Result<bool> {
                let sql: fn(&str) -> String = $sql;
                let mut tx = self.pool.begin().await?;
                let marked = sqlx::query(&sql(
                    "UPDATE quotes SET executed_at = ? WHERE hash = ? AND executed_at IS NULL",
                ))
                .bind(to_i64(at))
                .bind(hash.to_string())
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if marked != 1 {
                    tx.rollback().await?;
                    return Ok(false);
                }
                let insert = sql(&format!(
                    "INSERT INTO user_ops ({OP_COLUMNS}, updated_at) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                ));
                for op in ops {
                    sqlx::query(&insert)
                        .bind(op.stx_hash.to_string())
                        .bind(i64::from(op.index))
                        .bind(to_i64(op.chain_id))
                        .bind(op.is_cleanup)
                        .bind(to_i64(op.lower_bound))
                        .bind(to_i64(op.upper_bound))
                        .bind(serde_json::to_string(&op.user_op).map_err(corrupt)?)
                        .bind(op.user_op_hash.to_string())
                        .bind(op.status.as_str())
                        .bind(op.tx_hash.map(|h| h.to_string()))
                        .bind(op.error.clone())
                        .bind(op.block_number.map(to_i64))
                        .bind(op.confirmed)
                        .bind(now())
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(true)
            }

            async fn ops(&self, hash: B256) -> Result<Vec<OpRecord>> {
                let sql: fn(&str) -> String = $sql;
                let rows = sqlx::query(&sql(&format!(
                    "SELECT {OP_COLUMNS} FROM user_ops WHERE stx_hash = ? ORDER BY idx"
                )))
                .bind(hash.to_string())
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(|row| op_record(row)).collect()
            }

            async fn active_ops(&self, chain_id: u64) -> Result<Vec<OpRecord>> {
                let sql: fn(&str) -> String = $sql;
                let rows = sqlx::query(&sql(&format!(
                    "SELECT {OP_COLUMNS} FROM user_ops WHERE chain_id = ? AND \
                     (status IN ('PENDING', 'MINING') OR confirmed = ?) \
                     ORDER BY stx_hash, idx"
                )))
                .bind(to_i64(chain_id))
                .bind(false)
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(|row| op_record(row)).collect()
            }

            async fn claim(&self, hash: B256, indices: &[u32]) -> Result<Vec<u32>> {
                let sql: fn(&str) -> String = $sql;
                let statement = sql($claim);
                let mut tx = self.pool.begin().await?;
                let mut claimed = Vec::new();
                for &index in indices {
                    let rows = sqlx::query(&statement)
                        .bind(now())
                        .bind(hash.to_string())
                        .bind(i64::from(index))
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    if rows == 1 {
                        claimed.push(index);
                    }
                }
                tx.commit().await?;
                Ok(claimed)
            }

            async fn update(&self, hash: B256, index: u32, update: &OpUpdate) -> Result<()> {
                let sql: fn(&str) -> String = $sql;
                sqlx::query(&sql(
                    "UPDATE user_ops SET status = ?, tx_hash = ?, error = ?, block_number = ?, \
                     confirmed = ?, updated_at = ? WHERE stx_hash = ? AND idx = ?",
                ))
                .bind(update.status.as_str())
                .bind(update.tx_hash.map(|h| h.to_string()))
                .bind(update.error.clone())
                .bind(update.block_number.map(to_i64))
                .bind(update.confirmed)
                .bind(now())
                .bind(hash.to_string())
                .bind(i64::from(index))
                .execute(&self.pool)
                .await?;
                if update.confirmed {
                    crate::metrics::global().user_op_finalized(update.status);
                }
                Ok(())
            }
        }
    };
}

fn op_record<R: Row>(row: &R) -> Result<OpRecord>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    bool: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let status: String = row.try_get("status")?;
    let user_op: String = row.try_get("user_op")?;
    let tx_hash: Option<String> = row.try_get("tx_hash")?;
    Ok(OpRecord {
        stx_hash: parse_hash(&row.try_get::<String, _>("stx_hash")?)?,
        index: u32::try_from(row.try_get::<i64, _>("idx")?).map_err(corrupt)?,
        chain_id: to_u64(row.try_get("chain_id")?),
        is_cleanup: row.try_get("is_cleanup")?,
        lower_bound: to_u64(row.try_get("lower_bound")?),
        upper_bound: to_u64(row.try_get("upper_bound")?),
        user_op: serde_json::from_str(&user_op).map_err(corrupt)?,
        user_op_hash: parse_hash(&row.try_get::<String, _>("user_op_hash")?)?,
        status: ExecutionStatus::parse(&status)
            .ok_or_else(|| corrupt(format!("status {status:?}")))?,
        tx_hash: tx_hash.as_deref().map(parse_hash).transpose()?,
        error: row.try_get("error")?,
        block_number: row.try_get::<Option<i64>, _>("block_number")?.map(to_u64),
        confirmed: row.try_get("confirmed")?,
    })
}

/// The SQLite store (a file, or in memory).
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` and migrates it.
    pub async fn connect(url: &str) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        // An in-memory database exists once per connection: keep exactly one.
        let max = if url.contains(":memory:") { 1 } else { 4 };
        let pool = SqlitePoolOptions::new()
            .max_connections(max)
            .connect_with(options)
            .await?;
        let store = Self { pool };
        store.migrate().await?;
        Ok(store)
    }
}

sql_store!(
    SqliteStore,
    SqlitePool,
    |s| s.to_owned(),
    "UPDATE user_ops SET status = 'MINING', updated_at = ? \
     WHERE stx_hash = ? AND idx = ? AND status = 'PENDING'"
);

/// The PostgreSQL store.
#[derive(Clone, Debug)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects to `url` and migrates the database.
    pub async fn connect(url: &str) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(5)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await?;
        let store = Self { pool };
        store.migrate().await?;
        Ok(store)
    }
}

sql_store!(
    PgStore,
    PgPool,
    numbered,
    "UPDATE user_ops SET status = 'MINING', updated_at = ? \
     WHERE (stx_hash, idx) IN (SELECT stx_hash, idx FROM user_ops \
     WHERE stx_hash = ? AND idx = ? AND status = 'PENDING' FOR UPDATE SKIP LOCKED)"
);

#[cfg(test)]
pub(crate) mod tests {
    use alloy::primitives::{Address, Bytes, U256};
    use mee_primitives::api::{FilledUserOp, PaymentInfo};

    use super::*;

    /// A hash no other test uses.
    pub(crate) fn unique_hash() -> B256 {
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        alloy::primitives::keccak256(format!("{t}-{n}-{}", std::process::id()))
    }

    pub(crate) fn sample_quote(hash: B256) -> QuoteResponse {
        let op = UserOpJson {
            sender: Address::repeat_byte(1),
            nonce: U256::from(1),
            init_code: Bytes::new(),
            call_data: Bytes::new(),
            call_gas_limit: 1,
            verification_gas_limit: 2,
            max_fee_per_gas: 3,
            max_priority_fee_per_gas: 4,
            paymaster_and_data: Bytes::new(),
            pre_verification_gas: U256::from(5),
            signature: None,
        };
        QuoteResponse {
            hash,
            node: Address::repeat_byte(9),
            commitment: Bytes::from_static(&[1; 65]),
            quote_type: None,
            payment_info: PaymentInfo {
                sponsored: false,
                sender: Address::repeat_byte(1),
                token: Address::repeat_byte(2),
                nonce: U256::ZERO,
                call_gas_limit: 75_000,
                verification_gas_limit: 150_000,
                chain_id: 8453,
                gas_refund_address: None,
                eoa: None,
                init_code: None,
                eip7702_auth: None,
                short_encoding: None,
                session_details: None,
                sponsorship_url: None,
                token_amount: Some("1".into()),
                token_wei_amount: Some(U256::from(1_000_000)),
                token_value: Some("1".into()),
            },
            user_ops: vec![FilledUserOp {
                user_op: op,
                user_op_hash: B256::repeat_byte(7),
                mee_user_op_hash: B256::repeat_byte(8),
                lower_bound_timestamp: 1,
                upper_bound_timestamp: 2,
                max_gas_limit: 3,
                max_fee_per_gas: 3,
                chain_id: 8453,
                eip7702_auth: None,
                is_clean_up_user_op: false,
                session_details: None,
                short_encoding: false,
                metadata: None,
                execution_simulation_retry_delay: None,
            }],
        }
    }

    fn record(hash: B256, index: u32, chain_id: u64) -> OpRecord {
        let quote = sample_quote(hash);
        OpRecord {
            stx_hash: hash,
            index,
            chain_id,
            is_cleanup: false,
            lower_bound: 10,
            upper_bound: 20,
            user_op: quote.user_ops[0].user_op.clone(),
            user_op_hash: B256::repeat_byte(index as u8),
            status: ExecutionStatus::Pending,
            tx_hash: None,
            error: None,
            block_number: None,
            confirmed: false,
        }
    }

    /// The behaviour every store must have.
    pub(crate) async fn exercise(store: &dyn Store) {
        let hash = unique_hash();
        assert!(store.quote(hash).await.unwrap().is_none());
        let stored = StoredQuote {
            quote: sample_quote(hash),
            created_at: 100,
            expires_at: 200,
            executed_at: None,
        };
        store.insert_quote(&stored).await.unwrap();
        assert_eq!(store.quote(hash).await.unwrap().unwrap(), stored);
        // A second insert of the same hash fails.
        assert!(store.insert_quote(&stored).await.is_err());

        let ops = vec![record(hash, 0, 8453), record(hash, 1, 10)];
        assert!(store.execute(hash, 150, &ops).await.unwrap());
        // Replays are refused and change nothing.
        assert!(!store.execute(hash, 160, &ops).await.unwrap());
        assert_eq!(
            store.quote(hash).await.unwrap().unwrap().executed_at,
            Some(150)
        );
        assert_eq!(store.ops(hash).await.unwrap(), ops);

        let active = store.active_ops(8453).await.unwrap();
        assert!(active.iter().any(|op| op.stx_hash == hash && op.index == 0));
        assert!(!active.iter().any(|op| op.stx_hash == hash && op.index == 1));

        // Claiming is a one-time transition.
        assert_eq!(store.claim(hash, &[0]).await.unwrap(), vec![0]);
        assert!(store.claim(hash, &[0]).await.unwrap().is_empty());
        assert_eq!(
            store.ops(hash).await.unwrap()[0].status,
            ExecutionStatus::Mining
        );

        let update = OpUpdate {
            status: ExecutionStatus::MinedSuccess,
            tx_hash: Some(B256::repeat_byte(0xaa)),
            error: None,
            block_number: Some(12),
            confirmed: true,
        };
        store.update(hash, 0, &update).await.unwrap();
        let op = &store.ops(hash).await.unwrap()[0];
        assert_eq!(op.status, ExecutionStatus::MinedSuccess);
        assert_eq!(op.tx_hash, update.tx_hash);
        assert_eq!(op.block_number, Some(12));
        assert!(op.confirmed);
        assert!(
            !store
                .active_ops(8453)
                .await
                .unwrap()
                .iter()
                .any(|op| op.stx_hash == hash)
        );
    }

    #[tokio::test]
    async fn sqlite_in_memory_behaves() {
        let store = SqliteStore::connect("sqlite::memory:").await.unwrap();
        exercise(&store).await;
    }

    #[tokio::test]
    async fn sqlite_file_survives_reopening() {
        let path = std::env::temp_dir().join(format!("mee-node-{}.db", unique_hash()));
        let url = format!("sqlite://{}", path.display());
        let hash = unique_hash();
        {
            let store = SqliteStore::connect(&url).await.unwrap();
            exercise(&store).await;
            store
                .insert_quote(&StoredQuote {
                    quote: sample_quote(hash),
                    created_at: 1,
                    expires_at: 2,
                    executed_at: None,
                })
                .await
                .unwrap();
        }
        let reopened = SqliteStore::connect(&url).await.unwrap();
        assert!(reopened.quote(hash).await.unwrap().is_some());
        drop(reopened);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }

    /// The PostgreSQL server of the development and CI machines (`DATABASE_URL`, default
    /// `postgres://postgres@127.0.0.1:5432/test`).
    #[tokio::test]
    async fn postgres_behaves() {
        let url = std::env::var("DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
        let store = PgStore::connect(&url)
            .await
            .unwrap_or_else(|err| panic!("PostgreSQL at {url}: {err}"));
        exercise(&store).await;
        // Migrating again is a no-op.
        PgStore::connect(&url).await.unwrap();
    }

    #[test]
    fn postgres_placeholders_are_numbered() {
        assert_eq!(numbered("a = ? AND b = ?"), "a = $1 AND b = $2");
    }

    #[tokio::test]
    async fn rejects_unknown_database_urls() {
        assert!(matches!(connect("mysql://x").await, Err(Error::Config(_))));
    }
}
