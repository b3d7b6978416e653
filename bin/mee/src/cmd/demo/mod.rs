//! `mee demo`: the whole Smart Sessions flow on local chains, start to finish.
//!
//! Four anvil chains with every contract at its canonical address, an MEE node served
//! in-process (SQLite in a temporary directory), and the SDK driving: fund, prepare, grant, use
//! (USE, then sponsored), enable-and-use with an off-chain grant, inspect, four attempts the
//! contracts refuse, revoke. Everything reported is read back from the node and the chains.

mod env;
mod flow;
mod report;

use std::{path::PathBuf, time::Instant};

use alloy::{primitives::U256, signers::local::PrivateKeySigner};
use anyhow::Context;
use clap::Args;
use mee_primitives::addresses::{DEVNET_USDC, policies};

use self::{
    env::World,
    flow::{Demo, Expected, FEE_CHAIN, RECIPIENT, SPENDER, approve, plain_call, transfer},
    report::{DemoReport, Outcome, StepReport, Summary, print_step},
};
use super::{ChainArgs, keys, print_json, progress};

/// How many steps the demo runs (for the progress lines).
const STEPS: usize = 14;

/// Run the whole Smart Sessions flow on local chains with an in-process MEE node, then stop.
#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    #[command(flatten)]
    chains: ChainArgs,

    /// File holding the owner's private key as hex (default: a fresh random key).
    #[arg(long, value_name = "PATH")]
    owner_key_file: Option<PathBuf>,

    /// File holding the session key as hex (default: a fresh random key).
    #[arg(long, value_name = "PATH")]
    session_key_file: Option<PathBuf>,

    /// Print one JSON report instead of text.
    #[arg(long)]
    json: bool,
}

impl DemoArgs {
    pub(crate) async fn run(self) -> anyhow::Result<()> {
        let started = Instant::now();
        let quiet = self.json;
        for required in [FEE_CHAIN, 10, 42161, 137] {
            anyhow::ensure!(
                self.chains.chains.contains(&required),
                "the demo needs chain {required}: run it with the default --chains \
                 (10,8453,42161,137)"
            );
        }
        let owner = key(self.owner_key_file.as_deref(), "owner")?;
        let session_key = key(self.session_key_file.as_deref(), "session")?;

        progress(
            quiet,
            format!(
                "starting {} local chains and the MEE node…",
                self.chains.chains.len()
            ),
        );
        let step_started = Instant::now();
        let world = World::start(&self.chains).await?;
        let result = run_steps(&world, owner, session_key, quiet, step_started).await;
        progress(quiet, "stopping the node and the chains…");
        world.stop().await?;
        let mut report = result?;
        report.summary.elapsed_ms = started.elapsed().as_millis();
        if self.json {
            return print_json(&report);
        }
        let summary = &report.summary;
        println!(
            "Demo finished in {:.1} s: {} steps ({} done, {} refused as expected), {} \
             supertransactions, {} USDC in fees.",
            summary.elapsed_ms as f64 / 1000.0,
            summary.steps,
            summary.done,
            summary.rejected_as_expected,
            summary.supertransactions,
            report::usdc(summary.fees_paid)
        );
        println!(
            "Account {} (owner {}, session key {}) on chains {:?}.",
            report.account, report.owner, report.session_key, report.chains
        );
        Ok(())
    }
}

/// A key from `file`, or a fresh one.
fn key(file: Option<&std::path::Path>, role: &str) -> anyhow::Result<PrivateKeySigner> {
    match file {
        Some(path) => keys::load_file(role, path),
        None => Ok(PrivateKeySigner::random()),
    }
}

async fn run_steps(
    world: &World,
    owner: PrivateKeySigner,
    session_key: PrivateKeySigner,
    quiet: bool,
    started: Instant,
) -> anyhow::Result<DemoReport> {
    let owner_account = world.account(owner.address(), None).await?;
    let account = owner_account.address_on(FEE_CHAIN)?;
    let session_account = world.account(session_key.address(), Some(account)).await?;
    let owner_client = world
        .client(owner_account)
        .await
        .context("connecting to the in-process node")?;
    let session_client = world.client(session_account).await?;

    let mut start = StepReport::new(
        "start",
        format!(
            "start: chains {:?} with the MEE contracts, node at {}",
            world.chain_ids(),
            world.node_url
        ),
    );
    start.notes.push(format!(
        "owner {} (account {account}), session key {}",
        owner.address(),
        session_key.address()
    ));
    start.elapsed_ms = started.elapsed().as_millis();
    let mut steps = vec![start];
    print_step(quiet, 1, STEPS, &steps[0]);

    let mut demo = Demo {
        world,
        owner,
        session_key,
        owner_client,
        session_client,
        account,
        fee_receiver: mee_devnet::node_key().address,
        on_chain: Vec::new(),
        unbatched: Vec::new(),
        off_chain: Vec::new(),
    };
    let record = |step: StepReport, steps: &mut Vec<StepReport>| {
        steps.push(step);
        print_step(
            quiet,
            steps.len(),
            STEPS,
            steps.last().expect("just pushed"),
        );
    };

    record(demo.fund().await.context("fund")?, &mut steps);
    record(demo.prepare().await.context("prepare")?, &mut steps);
    record(demo.grant().await.context("grant")?, &mut steps);
    record(
        demo.grant_unbatched()
            .await
            .context("grant with batch_actions = false")?,
        &mut steps,
    );
    record(
        demo.use_permission().await.context("use (USE mode)")?,
        &mut steps,
    );
    record(
        demo.use_sponsored().await.context("use, sponsored")?,
        &mut steps,
    );
    record(
        demo.enable_and_use().await.context("enable and use")?,
        &mut steps,
    );
    record(
        demo.inspect("inspect").await.context("inspect")?,
        &mut steps,
    );

    let usdc = |amount: u64| U256::from(amount).to_string();
    record(
        demo.refused(
            "refused_outside_grant",
            "refused: approve on 42161, which permission A does not grant",
            approve(42161, SPENDER, 1_000_000),
            plain_call(
                42161,
                "approve(address,uint256)",
                &[SPENDER.to_string(), usdc(1_000_000)],
            ),
            Expected::NoPoliciesSet,
        )
        .await
        .context("refused outside the grant")?,
        &mut steps,
    );
    record(
        demo.refused(
            "refused_over_amount",
            "refused: 1.5 USDC on 10, over the 1 USDC per-transfer limit",
            transfer(10, RECIPIENT, 1_500_000),
            plain_call(
                10,
                "transfer(address,uint256)",
                &[RECIPIENT.to_string(), usdc(1_500_000)],
            ),
            Expected::PolicyViolation(policies::UNIVERSAL_ACTION),
        )
        .await
        .context("refused over the amount limit")?,
        &mut steps,
    );
    record(
        demo.refused(
            "refused_over_usage",
            "refused: a second approve on 8453, over the one-use limit",
            approve(FEE_CHAIN, SPENDER, 1_000_000),
            plain_call(
                FEE_CHAIN,
                "approve(address,uint256)",
                &[SPENDER.to_string(), usdc(1_000_000)],
            ),
            Expected::PolicyViolation(policies::USAGE_LIMIT),
        )
        .await
        .context("refused over the usage limit")?,
        &mut steps,
    );
    record(demo.revoke().await.context("revoke")?, &mut steps);
    record(
        demo.refused(
            "refused_after_revoke",
            "refused: 0.5 USDC on 10 after the revoke",
            transfer(10, RECIPIENT, 500_000),
            plain_call(
                10,
                "transfer(address,uint256)",
                &[RECIPIENT.to_string(), usdc(500_000)],
            ),
            Expected::NotEnabled,
        )
        .await
        .context("refused after the revoke")?,
        &mut steps,
    );
    debug_assert_eq!(steps.len(), STEPS);

    let count = |outcome| steps.iter().filter(|s| s.outcome == outcome).count();
    let supertransactions: Vec<_> = steps
        .iter()
        .filter_map(|step| step.supertransaction.as_ref())
        .collect();
    let summary = Summary {
        steps: steps.len(),
        done: count(Outcome::Done),
        rejected_as_expected: count(Outcome::Rejected),
        supertransactions: supertransactions.len(),
        fees_paid: supertransactions
            .iter()
            .fold(U256::ZERO, |sum, stx| sum + stx.fee_paid),
        elapsed_ms: 0,
    };
    Ok(DemoReport {
        owner: demo.owner.address(),
        session_key: demo.session_key.address(),
        account,
        node_url: world.node_url.clone(),
        chains: world.chain_ids(),
        fee_token: DEVNET_USDC,
        fee_chain: FEE_CHAIN,
        steps,
        summary,
    })
}
