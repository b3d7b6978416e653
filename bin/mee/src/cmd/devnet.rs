//! `mee devnet`: local chains in the foreground.

use clap::Args;

use super::{ChainArgs, progress, shutdown_signal};

/// Run local chains with the MEE contracts until ctrl-c.
#[derive(Debug, Args)]
pub(crate) struct DevnetArgs {
    #[command(flatten)]
    chains: ChainArgs,

    /// Print one JSON document (chains, RPC URLs, addresses, test keys) instead of text.
    #[arg(long)]
    json: bool,
}

impl DevnetArgs {
    pub(crate) async fn run(self) -> anyhow::Result<()> {
        progress(
            self.json,
            format!("starting {} chains…", self.chains.chains.len()),
        );
        let devnet = self.chains.builder().spawn().await?;
        let info = devnet.info();
        if self.json {
            println!("{}", serde_json::to_string_pretty(&info)?);
        } else {
            println!("Local devnet is running.\n");
            println!("{:<10} {:<28} {:>8}", "chain id", "rpc url", "pid");
            for chain in devnet.chains() {
                println!(
                    "{:<10} {:<28} {:>8}",
                    chain.chain_id(),
                    chain.rpc_url(),
                    chain.pid()
                );
            }
            println!("\nContracts (same address on every chain):");
            for placed in devnet.chains()[0].contracts() {
                let how = match placed.method {
                    mee_devnet::Method::Create2 => "CREATE2 via deterministic deployer",
                    mee_devnet::Method::DeployAndCopy => "deployed, runtime code copied",
                };
                println!("  {:<18} {}  ({how})", placed.name, placed.address);
            }
            println!("\nTest keys (public anvil keys, local use only; 10,000 ETH and USDC each):");
            for key in &info.test_keys {
                println!("  {}  {}", key.address, key.private_key);
            }
            println!("\nPress ctrl-c to stop.");
        }
        shutdown_signal().await;
        progress(self.json, "stopping…");
        drop(devnet);
        Ok(())
    }
}
