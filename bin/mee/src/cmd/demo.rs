//! `mee demo`: the flow on local chains, start to finish.

use std::time::Instant;

use alloy::providers::Provider;
use anyhow::{Context, ensure};
use clap::Args;
use mee_contracts::tokens::TestUSDC;
use mee_primitives::addresses::{DEVNET_USDC, ENTRY_POINT_V07};
use serde::Serialize;

use super::{ChainArgs, progress};

/// Start local chains, check each one answers and is set up, then stop them.
#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    #[command(flatten)]
    chains: ChainArgs,

    /// Print one JSON report instead of text.
    #[arg(long)]
    json: bool,
}

/// What the demo found on one chain.
#[derive(Debug, Serialize)]
struct ChainReport {
    chain_id: u64,
    rpc_url: String,
    block_number: u64,
    entry_point_code_bytes: usize,
    usdc_balance_of_first_key: String,
}

#[derive(Debug, Serialize)]
struct DemoReport {
    chains: Vec<ChainReport>,
    elapsed_ms: u128,
}

impl DemoArgs {
    pub(crate) async fn run(self) -> anyhow::Result<()> {
        let started = Instant::now();
        let quiet = self.json;
        progress(
            quiet,
            format!("[1/3] starting {} local chains…", self.chains.chains.len()),
        );
        let devnet = self
            .chains
            .builder()
            .spawn()
            .await
            .context("starting the devnet")?;

        progress(quiet, "[2/3] checking every chain answers and is set up…");
        let first_key = devnet.test_keys()[0].address;
        let mut reports = Vec::new();
        for chain in devnet.chains() {
            let provider = chain.provider();
            let chain_id = provider.get_chain_id().await.with_context(|| {
                format!(
                    "chain {} at {} does not answer",
                    chain.chain_id(),
                    chain.rpc_url()
                )
            })?;
            ensure!(
                chain_id == chain.chain_id(),
                "chain at {} reports id {chain_id}, expected {}",
                chain.rpc_url(),
                chain.chain_id()
            );
            let entry_point = provider.get_code_at(ENTRY_POINT_V07).await?;
            ensure!(!entry_point.is_empty(), "no EntryPoint on chain {chain_id}");
            let balance = TestUSDC::new(DEVNET_USDC, &provider)
                .balanceOf(first_key)
                .call()
                .await?;
            let report = ChainReport {
                chain_id,
                rpc_url: chain.rpc_url().to_string(),
                block_number: provider.get_block_number().await?,
                entry_point_code_bytes: entry_point.len(),
                usdc_balance_of_first_key: alloy::primitives::utils::format_units(balance, 6)?,
            };
            progress(
                quiet,
                format!(
                    "      chain {:>6}  {}  block {}  EntryPoint {} bytes  USDC {}",
                    report.chain_id,
                    report.rpc_url,
                    report.block_number,
                    report.entry_point_code_bytes,
                    report.usdc_balance_of_first_key
                ),
            );
            reports.push(report);
        }

        progress(quiet, "[3/3] stopping the chains…");
        drop(devnet);
        let report = DemoReport {
            chains: reports,
            elapsed_ms: started.elapsed().as_millis(),
        };
        if self.json {
            println!("{}", serde_json::to_string_pretty(&report)?);
        } else {
            println!(
                "Demo finished: {} chains up and set up, stopped cleanly in {:.1} s.",
                report.chains.len(),
                report.elapsed_ms as f64 / 1000.0
            );
        }
        Ok(())
    }
}
