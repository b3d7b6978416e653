//! `mee bench`: load the MEE node on a local devnet and measure it.
//!
//! Starts one anvil per chain (automine: a block per transaction), runs this binary's `mee node`
//! as a child process over them (SQLite in a temporary directory), funds one owner account with
//! USDC, deploys it with a first supertransaction, and then measures:
//!
//! - **quotes per second**: `POST /v1/quote` bodies built beforehand with the Rust SDK (each
//!   with its own nonce key), sent over HTTP with at most `c` requests in flight, for 1-chain
//!   and 4-chain supertransactions;
//! - **exec-to-mined latency**: from sending `POST /v1/exec` to the explorer showing every
//!   userOp `MINED_SUCCESS` (polled every 10 ms), one supertransaction at a time;
//! - **the node's memory**: `VmRSS` of the node process from `/proc` when idle after start,
//!   its peak (`VmHWM`) and `VmRSS` after the load.

use std::{
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use alloy::{
    primitives::{Address, B256, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
    signers::local::PrivateKeySigner,
    sol_types::SolCall,
};
use anyhow::{Context, bail, ensure};
use clap::Args;
use mee_contracts::tokens::TestUSDC;
use mee_devnet::{Devnet, node_key};
use mee_primitives::{
    addresses::{DEVNET_USDC, MEE_2_0_0},
    api::ExecutionStatus,
};
use mee_sdk::{
    MeeClient,
    account::{ChainConfig, MultichainAccount},
    instruction::Erc20Instruction,
    payment::FeeToken,
    quote::QuoteParams,
};
use serde::Serialize;
use tokio::{sync::Semaphore, task::JoinSet};

use super::{ChainArgs, print_json, progress};

/// Where the transfers of the benchmark go.
const RECIPIENT: Address = Address::repeat_byte(0x77);

/// Load the MEE node on local chains: quotes per second, exec-to-mined latency, memory.
#[derive(Debug, Args)]
pub(crate) struct BenchArgs {
    #[command(flatten)]
    chains: ChainArgs,

    /// Quote requests per supertransaction shape and concurrency level.
    #[arg(long, default_value_t = 200)]
    quotes: usize,

    /// Requests in flight during the quote load; one run per value.
    #[arg(long, value_delimiter = ',', default_values_t = [8, 32])]
    concurrency: Vec<usize>,

    /// Supertransactions executed one after another per shape for the latency.
    #[arg(long, default_value_t = 20)]
    executions: usize,

    /// The node's executor poll interval (the node's default is 200 ms).
    #[arg(long, default_value_t = 200)]
    poll_interval_ms: u64,

    /// Print one JSON report instead of a table.
    #[arg(long)]
    json: bool,
}

/// Quote throughput at one concurrency level.
#[derive(Debug, Serialize)]
struct QuoteRun {
    chains: usize,
    concurrency: usize,
    requests: usize,
    seconds: f64,
    quotes_per_second: f64,
    latency_p50_ms: f64,
    latency_p99_ms: f64,
}

/// Exec-to-mined latency of one supertransaction shape.
#[derive(Debug, Serialize)]
struct LatencyRun {
    chains: usize,
    user_ops: usize,
    executions: usize,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
}

/// The node's memory, in MiB.
#[derive(Debug, Serialize)]
struct Memory {
    rss_idle_mib: f64,
    rss_peak_mib: f64,
    rss_after_load_mib: f64,
}

#[derive(Debug, Serialize)]
struct Report {
    machine: Machine,
    chains: Vec<u64>,
    poll_interval_ms: u64,
    quotes: Vec<QuoteRun>,
    exec_to_mined: Vec<LatencyRun>,
    memory: Memory,
}

#[derive(Debug, Serialize)]
struct Machine {
    cpus: usize,
    cpu_model: String,
    memory_gib: f64,
}

/// A `mee node` child process, killed on drop.
struct NodeProcess {
    child: Child,
    url: String,
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl NodeProcess {
    fn pid(&self) -> u32 {
        self.child.id()
    }
}

/// A directory removed on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl BenchArgs {
    pub(crate) async fn run(self) -> anyhow::Result<()> {
        let quiet = self.json;
        ensure!(!self.chains.chains.is_empty(), "no chains");
        ensure!(self.quotes > 0 && self.executions > 0, "nothing to measure");
        let fee_chain = self.chains.chains[0];
        progress(
            quiet,
            format!(
                "starting {} local chains (anvil, automine)…",
                self.chains.chains.len()
            ),
        );
        let devnet = self
            .chains
            .builder()
            .spawn()
            .await
            .context("starting the devnet")?;
        let dir = TempDir(std::env::temp_dir().join(format!("mee-bench-{}", std::process::id())));
        std::fs::create_dir_all(&dir.0)?;
        let node = start_node(&devnet, &dir.0, fee_chain, self.poll_interval_ms).await?;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let rss_idle = read_status(node.pid(), "VmRSS:")?;
        progress(quiet, format!("node {} (pid {})", node.url, node.pid()));

        // The owner's account, funded with USDC on every chain.
        let keys = devnet.test_keys();
        let owner: PrivateKeySigner = keys[0].private_key.parse()?;
        let configs = devnet.chains().iter().map(|chain| {
            ChainConfig::new(chain.chain_id())
                .rpc_url(chain.rpc_url())
                .version(MEE_2_0_0)
        });
        let account = MultichainAccount::builder()
            .signer(owner.address())
            .chains(configs)
            .connect()
            .await?;
        let address = account.deployment_on(fee_chain)?.address;
        for chain in devnet.chains() {
            let mint = TestUSDC::mintCall {
                to: address,
                amount: U256::from(1_000_000_000_000u64),
            }
            .abi_encode();
            chain
                .provider()
                .send_transaction(
                    TransactionRequest::default()
                        .from(keys[1].address)
                        .to(DEVNET_USDC)
                        .input(mint.into()),
                )
                .await?
                .get_receipt()
                .await?;
        }
        let client = MeeClient::builder()
            .url(node.url.clone())
            .account(account)
            .connect()
            .await?;
        let fee = FeeToken {
            address: DEVNET_USDC,
            chain_id: fee_chain,
        };
        let all_chains: Vec<u64> = devnet.chains().iter().map(|c| c.chain_id()).collect();
        let shapes: Vec<Vec<u64>> = if all_chains.len() > 1 {
            vec![vec![fee_chain], all_chains.clone()]
        } else {
            vec![all_chains.clone()]
        };
        let params = |chains: &[u64]| {
            QuoteParams::new()
                .instructions(chains.iter().map(|&chain_id| {
                    Erc20Instruction::transfer(chain_id, DEVNET_USDC, RECIPIENT, U256::from(1u64))
                        .build()
                }))
                .fee_token(fee)
        };

        progress(quiet, "deploying the account on every chain…");
        execute_and_wait(&client, &params(&all_chains), &owner).await?;

        let http = reqwest::Client::new();
        let mut quotes = Vec::new();
        for shape in &shapes {
            for &concurrency in &self.concurrency {
                progress(
                    quiet,
                    format!(
                        "quotes: {} chain(s), {concurrency} in flight, {} requests…",
                        shape.len(),
                        self.quotes
                    ),
                );
                let mut bodies = Vec::with_capacity(self.quotes);
                for _ in 0..self.quotes {
                    let request = client.quote_request(&params(shape)).await?;
                    bodies.push(serde_json::to_vec(&request)?);
                }
                let (seconds, mut latencies) =
                    quote_load(&http, &node.url, bodies, concurrency).await?;
                latencies.sort_by(f64::total_cmp);
                quotes.push(QuoteRun {
                    chains: shape.len(),
                    concurrency,
                    requests: self.quotes,
                    seconds,
                    quotes_per_second: self.quotes as f64 / seconds,
                    latency_p50_ms: percentile(&latencies, 0.50),
                    latency_p99_ms: percentile(&latencies, 0.99),
                });
            }
        }

        let mut exec_to_mined = Vec::new();
        for shape in &shapes {
            progress(
                quiet,
                format!(
                    "exec-to-mined: {} chain(s), {} supertransactions…",
                    shape.len(),
                    self.executions
                ),
            );
            let mut latencies = Vec::with_capacity(self.executions);
            let mut user_ops = 0;
            for _ in 0..self.executions {
                let (elapsed, ops) = execute_and_wait(&client, &params(shape), &owner).await?;
                latencies.push(elapsed.as_secs_f64() * 1000.0);
                user_ops = ops;
            }
            latencies.sort_by(f64::total_cmp);
            exec_to_mined.push(LatencyRun {
                chains: shape.len(),
                user_ops,
                executions: self.executions,
                p50_ms: percentile(&latencies, 0.50),
                p99_ms: percentile(&latencies, 0.99),
                max_ms: latencies.last().copied().unwrap_or_default(),
            });
        }

        tokio::time::sleep(Duration::from_secs(2)).await;
        let memory = Memory {
            rss_idle_mib: rss_idle,
            rss_peak_mib: read_status(node.pid(), "VmHWM:")?,
            rss_after_load_mib: read_status(node.pid(), "VmRSS:")?,
        };
        let report = Report {
            machine: machine(),
            chains: all_chains,
            poll_interval_ms: self.poll_interval_ms,
            quotes,
            exec_to_mined,
            memory,
        };
        drop(node);
        drop(devnet);
        if self.json {
            print_json(&report)
        } else {
            print_table(&report);
            Ok(())
        }
    }
}

/// Writes the node's configuration for `devnet` and starts this binary's `mee node` on it.
async fn start_node(
    devnet: &Devnet,
    dir: &std::path::Path,
    fee_chain: u64,
    poll_interval_ms: u64,
) -> anyhow::Result<NodeProcess> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut config = format!(
        "listen = \"127.0.0.1:{port}\"\nnode_paymaster = \"{}\"\nfee_receiver = \"{}\"\n\
         database_url = \"sqlite://{}\"\npoll_interval_ms = {poll_interval_ms}\n",
        Devnet::node_paymaster(),
        Address::repeat_byte(0xfe),
        dir.join("node.db").display()
    );
    for chain in devnet.chains() {
        config.push_str(&format!(
            "\n[[chains]]\nchain_id = {}\nrpc_url = \"{}\"\nnative_usd_price = 3000.0\n",
            chain.chain_id(),
            chain.rpc_url()
        ));
        if chain.chain_id() == fee_chain {
            config.push_str(&format!(
                "[[chains.fee_tokens]]\naddress = \"{DEVNET_USDC}\"\nname = \"USD Coin\"\n\
                 symbol = \"USDC\"\ndecimals = 6\nusd_price = 1.0\n"
            ));
        }
    }
    let path = dir.join("node.toml");
    std::fs::write(&path, config)?;
    let log = std::fs::File::create(dir.join("node.log"))?;
    let child = Command::new(std::env::current_exe()?)
        .arg("node")
        .arg("--config")
        .arg(&path)
        .env("MEE_NODE_KEY", node_key().private_key)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .context("starting mee node")?;
    let node = NodeProcess {
        child,
        url: format!("http://127.0.0.1:{port}/v1"),
    };
    let started = Instant::now();
    loop {
        if let Ok(response) = reqwest::get(format!("{}/info", node.url)).await
            && response.status().is_success()
        {
            return Ok(node);
        }
        if started.elapsed() > Duration::from_secs(60) {
            bail!(
                "the node did not answer within 60 s:\n{}",
                std::fs::read_to_string(dir.join("node.log")).unwrap_or_default()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Sends `bodies` to `POST quote` with at most `concurrency` in flight. Returns the wall time
/// and each request's latency in milliseconds; any answer but 200 is an error.
async fn quote_load(
    http: &reqwest::Client,
    url: &str,
    bodies: Vec<Vec<u8>>,
    concurrency: usize,
) -> anyhow::Result<(f64, Vec<f64>)> {
    let permits = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut tasks = JoinSet::new();
    let started = Instant::now();
    for body in bodies {
        let permit = permits.clone().acquire_owned().await?;
        let http = http.clone();
        let url = format!("{url}/quote");
        tasks.spawn(async move {
            let sent = Instant::now();
            let response = http
                .post(url)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await?;
            let status = response.status();
            let text = response.text().await?;
            drop(permit);
            ensure!(status.is_success(), "quote answered {status}: {text}");
            anyhow::Ok(sent.elapsed().as_secs_f64() * 1000.0)
        });
    }
    let mut latencies = Vec::new();
    while let Some(result) = tasks.join_next().await {
        latencies.push(result??);
    }
    Ok((started.elapsed().as_secs_f64(), latencies))
}

/// Quotes and signs `params`, then times `POST exec` until the explorer shows every userOp
/// `MINED_SUCCESS`. Returns that time and the number of userOps (the payment op included).
async fn execute_and_wait(
    client: &MeeClient,
    params: &QuoteParams,
    owner: &PrivateKeySigner,
) -> anyhow::Result<(Duration, usize)> {
    let quote = client.quote(params).await?;
    let signed = client.sign_quote(quote, owner)?;
    let started = Instant::now();
    let hash: B256 = client.exec(&signed).await?;
    loop {
        let explorer = client.explorer(hash).await?;
        let statuses: Vec<ExecutionStatus> = explorer
            .user_ops
            .iter()
            .map(|op| op.execution_status)
            .collect();
        if statuses.iter().all(|s| *s == ExecutionStatus::MinedSuccess) {
            return Ok((started.elapsed(), statuses.len()));
        }
        if let Some(op) = explorer.user_ops.iter().find(|op| {
            op.execution_status.is_final() && op.execution_status != ExecutionStatus::MinedSuccess
        }) {
            bail!(
                "supertransaction {hash} failed: {:?} {}",
                op.execution_status,
                op.execution_error.clone().unwrap_or_default()
            );
        }
        if started.elapsed() > Duration::from_secs(120) {
            bail!("supertransaction {hash} not mined after 120 s: {statuses:?}");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The `q` quantile of sorted `values` (nearest rank).
fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// A `/proc/<pid>/status` field in kB, as MiB.
fn read_status(pid: u32, field: &str) -> anyhow::Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    let kib: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .with_context(|| format!("no {field} in /proc/{pid}/status"))?;
    Ok(kib / 1024.0)
}

fn machine() -> Machine {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu_model = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name"))
        .and_then(|rest| rest.split_once(':'))
        .map(|(_, model)| model.trim().to_owned())
        .unwrap_or_default();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory_kib: f64 = meminfo
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .unwrap_or_default();
    Machine {
        cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
        cpu_model,
        memory_gib: memory_kib / 1024.0 / 1024.0,
    }
}

fn print_table(report: &Report) {
    let m = &report.machine;
    println!(
        "machine: {} CPUs ({}), {:.1} GiB; chains {:?} (anvil automine); executor poll {} ms\n",
        m.cpus, m.cpu_model, m.memory_gib, report.chains, report.poll_interval_ms
    );
    println!("| quotes | in flight | requests | quotes/s | p50 ms | p99 ms |");
    println!("|---|---:|---:|---:|---:|---:|");
    for run in &report.quotes {
        println!(
            "| {}-chain | {} | {} | {:.1} | {:.1} | {:.1} |",
            run.chains,
            run.concurrency,
            run.requests,
            run.quotes_per_second,
            run.latency_p50_ms,
            run.latency_p99_ms
        );
    }
    println!("\n| exec → mined | userOps | runs | p50 ms | p99 ms | max ms |");
    println!("|---|---:|---:|---:|---:|---:|");
    for run in &report.exec_to_mined {
        println!(
            "| {}-chain | {} | {} | {:.0} | {:.0} | {:.0} |",
            run.chains, run.user_ops, run.executions, run.p50_ms, run.p99_ms, run.max_ms
        );
    }
    let memory = &report.memory;
    println!(
        "\nnode RSS: {:.1} MiB idle after start, {:.1} MiB peak, {:.1} MiB after the load",
        memory.rss_idle_mib, memory.rss_peak_mib, memory.rss_after_load_mib
    );
}
