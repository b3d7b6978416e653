//! One module per subcommand: its `XxxArgs` and `run()`.

pub(crate) mod demo;
pub(crate) mod devnet;
pub(crate) mod node;

use clap::Args;

/// Options shared by every command that starts local chains.
#[derive(Debug, Clone, Args)]
pub(crate) struct ChainArgs {
    /// Chain ids to run, one anvil each.
    #[arg(long, value_delimiter = ',', default_values_t = mee_primitives::chains::REFERENCE_CHAINS)]
    pub(crate) chains: Vec<u64>,

    /// The anvil binary (default: the repository's npm toolchain, then PATH).
    #[arg(long, env = "MEE_ANVIL")]
    pub(crate) anvil: Option<std::path::PathBuf>,
}

impl ChainArgs {
    pub(crate) fn builder(&self) -> mee_devnet::DevnetBuilder {
        let builder = mee_devnet::Devnet::builder().chain_ids(self.chains.iter().copied());
        match &self.anvil {
            Some(path) => builder.anvil_path(path),
            None => builder,
        }
    }
}

/// Prints a progress line on stderr unless the output is JSON.
pub(crate) fn progress(quiet: bool, message: impl std::fmt::Display) {
    if !quiet {
        eprintln!("{message}");
    }
}

/// Waits for ctrl-c or SIGTERM.
pub(crate) async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("install the SIGTERM handler");
    tokio::select! {
        _ = ctrl_c => {}
        _ = term.recv() => {}
    }
}
