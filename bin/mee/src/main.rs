//! `mee`: Smart Sessions on an MEE, from the command line.
//!
//! Stdout carries only results (one JSON document under `--json`); progress and logs go to stderr.

mod cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Smart Sessions on an MEE: local devnet, node and session commands.
#[derive(Debug, Parser)]
#[command(name = "mee", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once per process: the size difference between variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum Command {
    /// Run the whole Smart Sessions flow on local chains with an in-process node, then stop.
    Demo(cmd::demo::DemoArgs),
    /// Run local chains with the MEE contracts in the foreground until ctrl-c.
    Devnet(cmd::devnet::DevnetArgs),
    /// Run an MEE node: quotes, execution and receipts over HTTP.
    Node(cmd::node::NodeArgs),
    /// The owner's smart account: its address per chain, and whether it is ready for sessions.
    Account(cmd::account::AccountArgs),
    /// Smart Sessions permissions: grant, prepare, use, inspect, revoke.
    Session(cmd::session::SessionArgs),
    /// A supertransaction's status from the MEE node.
    Receipt(cmd::receipt::ReceiptArgs),
    /// Load the MEE node on local chains: quotes per second, exec-to-mined latency, memory.
    Bench(cmd::bench::BenchArgs),
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // The demo runs the node in-process and reports every refusal itself: the node's own
    // warnings about the refusals it simulates would only repeat them.
    let default_filter = match cli.command {
        Command::Demo(_) => "warn,mee_node=error",
        _ => "warn",
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| default_filter.into()),
        )
        .init();

    let result = match cli.command {
        Command::Demo(args) => args.run().await,
        Command::Devnet(args) => args.run().await,
        Command::Node(args) => args.run().await,
        Command::Account(args) => args.run().await,
        Command::Session(args) => args.run().await,
        Command::Receipt(args) => args.run().await,
        Command::Bench(args) => args.run().await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
