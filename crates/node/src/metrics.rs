//! Prometheus metrics: a small hand-written registry, rendered in the text exposition format
//! (version 0.0.4) by `GET /metrics`.
//!
//! | Metric | Type | Labels |
//! |---|---|---|
//! | `mee_http_requests_total` | counter | `route`, `method`, `status` |
//! | `mee_http_request_duration_seconds` | histogram | `route`, `method`, `status` |
//! | `mee_quotes_total` | counter | `outcome` = `issued` \| `refused` |
//! | `mee_execs_total` | counter | `outcome` = `accepted` \| `refused` |
//! | `mee_user_ops_finalized_total` | counter | `status` = `MINED_SUCCESS` \| `MINED_FAIL` \| `FAILED` |
//! | `mee_executor_bundles_total` | counter | `chain_id`, `outcome` = `sent` \| `failed` |
//! | `mee_user_ops_active` | gauge | `chain_id`, `status` = `PENDING` \| `MINING` |
//! | `mee_build_info` | gauge | `version` |
//!
//! `route` is the matched route template (`/v1/explorer/{hash}`), or `unmatched`, so the label
//! set stays bounded whatever paths clients send. Counters live in this process (one registry
//! per process, [`global`]) and restart from zero with it; `mee_user_ops_active` is read from
//! the store at scrape time, so it is the same on every replica sharing a database.
//! A userOp counts in `mee_user_ops_finalized_total` when its final status is recorded as
//! confirmed, by whichever replica does it.

use std::{
    collections::BTreeMap,
    fmt::Write as _,
    sync::{
        Mutex, OnceLock,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use mee_primitives::api::ExecutionStatus;

/// The upper bounds of the request-latency histogram's buckets, in seconds.
pub const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The process's registry.
pub fn global() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::default)
}

/// Every metric the node keeps in memory.
#[derive(Debug, Default)]
pub struct Metrics {
    http: Mutex<BTreeMap<HttpKey, Histogram>>,
    quotes_issued: AtomicU64,
    quotes_refused: AtomicU64,
    execs_accepted: AtomicU64,
    execs_refused: AtomicU64,
    ops_mined_success: AtomicU64,
    ops_mined_fail: AtomicU64,
    ops_failed: AtomicU64,
    bundles: Mutex<BTreeMap<(u64, bool), u64>>,
}

/// The labels of one HTTP series.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct HttpKey {
    route: String,
    method: String,
    status: u16,
}

/// Cumulative-at-render latency buckets, their sum and count.
#[derive(Clone, Debug, Default)]
struct Histogram {
    buckets: [u64; LATENCY_BUCKETS.len()],
    count: u64,
    sum_secs: f64,
}

impl Histogram {
    fn observe(&mut self, secs: f64) {
        if let Some(i) = LATENCY_BUCKETS.iter().position(|&le| secs <= le) {
            self.buckets[i] += 1;
        }
        self.count += 1;
        self.sum_secs += secs;
    }
}

/// The userOps of one chain that are not final yet, for `mee_user_ops_active`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChainActivity {
    /// The chain.
    pub chain_id: u64,
    /// userOps waiting for their window or their turn.
    pub pending: u64,
    /// userOps submitted and not mined yet.
    pub mining: u64,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave a counter map inconsistent.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Metrics {
    /// Records one answered HTTP request.
    pub fn observe_request(&self, route: &str, method: &str, status: u16, elapsed: Duration) {
        let key = HttpKey {
            route: route.to_owned(),
            method: method.to_owned(),
            status,
        };
        lock(&self.http)
            .entry(key)
            .or_default()
            .observe(elapsed.as_secs_f64());
    }

    /// Records a quote request's outcome.
    pub fn quote(&self, issued: bool) {
        let counter = if issued {
            &self.quotes_issued
        } else {
            &self.quotes_refused
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Records an exec request's outcome.
    pub fn exec(&self, accepted: bool) {
        let counter = if accepted {
            &self.execs_accepted
        } else {
            &self.execs_refused
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Records a userOp reaching a confirmed final status; other statuses are ignored.
    pub fn user_op_finalized(&self, status: ExecutionStatus) {
        let counter = match status {
            ExecutionStatus::MinedSuccess => &self.ops_mined_success,
            ExecutionStatus::MinedFail => &self.ops_mined_fail,
            ExecutionStatus::Failed => &self.ops_failed,
            ExecutionStatus::Pending | ExecutionStatus::Mining => return,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Records an executor's attempt to send a `handleOps` transaction.
    pub fn bundle_sent(&self, chain_id: u64, sent: bool) {
        *lock(&self.bundles).entry((chain_id, sent)).or_default() += 1;
    }

    /// Renders every metric, with `active` as the `mee_user_ops_active` gauge.
    pub fn render(&self, active: &[ChainActivity]) -> String {
        let mut out = String::with_capacity(4096);
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed);

        header(
            &mut out,
            "mee_build_info",
            "gauge",
            "The node software's version.",
        );
        let _ = writeln!(
            out,
            "mee_build_info{{version=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION")
        );

        let http = lock(&self.http).clone();
        header(
            &mut out,
            "mee_http_requests_total",
            "counter",
            "HTTP requests answered, by route template, method and status.",
        );
        for (key, histogram) in &http {
            let _ = writeln!(
                out,
                "mee_http_requests_total{{{}}} {}",
                key.labels(),
                histogram.count
            );
        }
        header(
            &mut out,
            "mee_http_request_duration_seconds",
            "histogram",
            "Time to answer HTTP requests, by route template, method and status.",
        );
        for (key, histogram) in &http {
            let labels = key.labels();
            let mut cumulative = 0;
            for (le, n) in LATENCY_BUCKETS.iter().zip(histogram.buckets) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "mee_http_request_duration_seconds_bucket{{{labels},le=\"{le}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "mee_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                histogram.count
            );
            let _ = writeln!(
                out,
                "mee_http_request_duration_seconds_sum{{{labels}}} {}",
                histogram.sum_secs
            );
            let _ = writeln!(
                out,
                "mee_http_request_duration_seconds_count{{{labels}}} {}",
                histogram.count
            );
        }

        header(
            &mut out,
            "mee_quotes_total",
            "counter",
            "Quote requests, by outcome.",
        );
        let _ = writeln!(
            out,
            "mee_quotes_total{{outcome=\"issued\"}} {}",
            load(&self.quotes_issued)
        );
        let _ = writeln!(
            out,
            "mee_quotes_total{{outcome=\"refused\"}} {}",
            load(&self.quotes_refused)
        );

        header(
            &mut out,
            "mee_execs_total",
            "counter",
            "Exec requests, by outcome.",
        );
        let _ = writeln!(
            out,
            "mee_execs_total{{outcome=\"accepted\"}} {}",
            load(&self.execs_accepted)
        );
        let _ = writeln!(
            out,
            "mee_execs_total{{outcome=\"refused\"}} {}",
            load(&self.execs_refused)
        );

        header(
            &mut out,
            "mee_user_ops_finalized_total",
            "counter",
            "userOps that reached a confirmed final status, by status.",
        );
        for (status, counter) in [
            (ExecutionStatus::MinedSuccess, &self.ops_mined_success),
            (ExecutionStatus::MinedFail, &self.ops_mined_fail),
            (ExecutionStatus::Failed, &self.ops_failed),
        ] {
            let _ = writeln!(
                out,
                "mee_user_ops_finalized_total{{status=\"{}\"}} {}",
                status.as_str(),
                load(counter)
            );
        }

        header(
            &mut out,
            "mee_executor_bundles_total",
            "counter",
            "handleOps transactions the executors sent (or failed to send), by chain.",
        );
        for ((chain_id, sent), n) in lock(&self.bundles).iter() {
            let outcome = if *sent { "sent" } else { "failed" };
            let _ = writeln!(
                out,
                "mee_executor_bundles_total{{chain_id=\"{chain_id}\",outcome=\"{outcome}\"}} {n}"
            );
        }

        header(
            &mut out,
            "mee_user_ops_active",
            "gauge",
            "userOps not final yet, by chain and status (read from the store).",
        );
        for chain in active {
            let _ = writeln!(
                out,
                "mee_user_ops_active{{chain_id=\"{}\",status=\"PENDING\"}} {}",
                chain.chain_id, chain.pending
            );
            let _ = writeln!(
                out,
                "mee_user_ops_active{{chain_id=\"{}\",status=\"MINING\"}} {}",
                chain.chain_id, chain.mining
            );
        }
        out
    }
}

impl HttpKey {
    fn labels(&self) -> String {
        format!(
            "route=\"{}\",method=\"{}\",status=\"{}\"",
            escape(&self.route),
            escape(&self.method),
            self.status
        )
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// Escapes a label value (`\`, `"` and newlines).
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of the sample line `series` (name and labels exactly as rendered).
    fn sample(text: &str, series: &str) -> Option<f64> {
        text.lines()
            .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
    }

    #[test]
    fn counts_requests_per_route_and_status_with_cumulative_buckets() {
        let metrics = Metrics::default();
        metrics.observe_request("/v1/quote", "POST", 200, Duration::from_millis(3));
        metrics.observe_request("/v1/quote", "POST", 200, Duration::from_millis(300));
        metrics.observe_request("/v1/quote", "POST", 400, Duration::from_millis(1));
        metrics.observe_request("/v1/info", "GET", 200, Duration::from_secs(20));
        let text = metrics.render(&[]);
        let ok = "route=\"/v1/quote\",method=\"POST\",status=\"200\"";
        assert_eq!(
            sample(&text, &format!("mee_http_requests_total{{{ok}}}")),
            Some(2.0)
        );
        let bucket = |le: &str| {
            sample(
                &text,
                &format!("mee_http_request_duration_seconds_bucket{{{ok},le=\"{le}\"}}"),
            )
        };
        assert_eq!(bucket("0.001"), Some(0.0));
        assert_eq!(bucket("0.005"), Some(1.0));
        assert_eq!(bucket("0.25"), Some(1.0));
        assert_eq!(bucket("0.5"), Some(2.0));
        assert_eq!(bucket("+Inf"), Some(2.0));
        let sum = sample(
            &text,
            &format!("mee_http_request_duration_seconds_sum{{{ok}}}"),
        )
        .unwrap();
        assert!((sum - 0.303).abs() < 1e-9, "{sum}");
        // A request slower than every bucket still counts in +Inf and the count.
        let slow = "route=\"/v1/info\",method=\"GET\",status=\"200\"";
        assert_eq!(
            sample(
                &text,
                &format!("mee_http_request_duration_seconds_bucket{{{slow},le=\"10\"}}")
            ),
            Some(0.0)
        );
        assert_eq!(
            sample(
                &text,
                &format!("mee_http_request_duration_seconds_count{{{slow}}}")
            ),
            Some(1.0)
        );
        assert_eq!(
            sample(
                &text,
                "mee_http_requests_total{route=\"/v1/quote\",method=\"POST\",status=\"400\"}"
            ),
            Some(1.0)
        );
    }

    #[test]
    fn counts_outcomes_final_statuses_bundles_and_active_ops() {
        let metrics = Metrics::default();
        metrics.quote(true);
        metrics.quote(true);
        metrics.quote(false);
        metrics.exec(true);
        metrics.exec(false);
        metrics.exec(false);
        metrics.user_op_finalized(ExecutionStatus::MinedSuccess);
        metrics.user_op_finalized(ExecutionStatus::MinedSuccess);
        metrics.user_op_finalized(ExecutionStatus::Failed);
        metrics.user_op_finalized(ExecutionStatus::Pending);
        metrics.bundle_sent(8453, true);
        metrics.bundle_sent(8453, true);
        metrics.bundle_sent(10, false);
        let text = metrics.render(&[ChainActivity {
            chain_id: 8453,
            pending: 3,
            mining: 1,
        }]);
        let expect = [
            ("mee_quotes_total{outcome=\"issued\"}", 2.0),
            ("mee_quotes_total{outcome=\"refused\"}", 1.0),
            ("mee_execs_total{outcome=\"accepted\"}", 1.0),
            ("mee_execs_total{outcome=\"refused\"}", 2.0),
            (
                "mee_user_ops_finalized_total{status=\"MINED_SUCCESS\"}",
                2.0,
            ),
            ("mee_user_ops_finalized_total{status=\"MINED_FAIL\"}", 0.0),
            ("mee_user_ops_finalized_total{status=\"FAILED\"}", 1.0),
            (
                "mee_executor_bundles_total{chain_id=\"8453\",outcome=\"sent\"}",
                2.0,
            ),
            (
                "mee_executor_bundles_total{chain_id=\"10\",outcome=\"failed\"}",
                1.0,
            ),
            (
                "mee_user_ops_active{chain_id=\"8453\",status=\"PENDING\"}",
                3.0,
            ),
            (
                "mee_user_ops_active{chain_id=\"8453\",status=\"MINING\"}",
                1.0,
            ),
        ];
        for (series, value) in expect {
            assert_eq!(sample(&text, series), Some(value), "{series}\n{text}");
        }
    }

    #[test]
    fn every_family_has_help_and_type_and_every_sample_parses() {
        let metrics = Metrics::default();
        metrics.observe_request("/v1/explorer/{hash}", "GET", 404, Duration::from_millis(2));
        let text = metrics.render(&[ChainActivity::default()]);
        let mut typed = std::collections::HashSet::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let (name, kind) = rest.split_once(' ').unwrap();
                assert!(["counter", "gauge", "histogram"].contains(&kind));
                typed.insert(name.to_owned());
                continue;
            }
            if line.starts_with("# HELP ") {
                continue;
            }
            let name = line.split(['{', ' ']).next().unwrap();
            let family = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| name.strip_suffix(s).filter(|f| typed.contains(*f)))
                .unwrap_or(name);
            assert!(typed.contains(family), "{line}: no # TYPE before it");
            let value = line.rsplit(' ').next().unwrap();
            assert!(value.parse::<f64>().is_ok(), "{line}");
        }
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
