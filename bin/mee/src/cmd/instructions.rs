//! What a session key executes: calls given with flags or in a file.
//!
//! Flags: `--call CHAIN:TO:DATA[:VALUE]` (DATA is calldata in hex, or a function signature
//! without arguments such as `increment()`; VALUE in wei) and
//! `--transfer CHAIN:TOKEN:TO:AMOUNT` (an ERC-20 transfer, amount in base units).
//!
//! File (`--instructions`, TOML or JSON):
//!
//! ```toml
//! [[call]]
//! chain_id = 8453
//! to = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"
//! function = "transfer(address,uint256)"
//! args = ["0xa11ce00000000000000000000000000000000001", "1000000"]
//! # or: data = "0xa9059cbb…"; optional: value = "0", gas_limit = 100000
//!
//! [[transfer]]
//! chain_id = 10
//! token = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"
//! to = "0xa11ce00000000000000000000000000000000001"
//! amount = "1000000"
//! ```

use std::{path::PathBuf, str::FromStr};

use alloy::{
    dyn_abi::{DynSolType, JsonAbiExt, Specifier},
    json_abi::Function,
    primitives::{Address, Bytes, U256},
    sol_types::SolCall,
};
use anyhow::{Context, bail, ensure};
use clap::Args;
use mee_sdk::instruction::{Erc20Instruction, Instruction, InstructionCall};
use serde::Deserialize;

use super::permissions::{Amount, parse_amount};

alloy::sol! {
    /// The ERC-20 transfer, to know the calldata of `--transfer`.
    interface IErc20Transfer {
        function transfer(address to, uint256 amount) external returns (bool);
    }
}

/// The calls to execute.
#[derive(Debug, Clone, Args)]
pub(crate) struct InstructionArgs {
    /// A call: `CHAIN:TO:DATA[:VALUE]`, DATA as hex calldata or an argument-less signature
    /// such as `increment()`, VALUE in wei. Repeatable.
    #[arg(long = "call", value_name = "CHAIN:TO:DATA[:VALUE]")]
    pub(crate) calls: Vec<CallFlag>,

    /// An ERC-20 transfer: `CHAIN:TOKEN:TO:AMOUNT`, AMOUNT in base units. Repeatable.
    #[arg(long = "transfer", value_name = "CHAIN:TOKEN:TO:AMOUNT")]
    pub(crate) transfers: Vec<TransferFlag>,

    /// A TOML or JSON file of calls (`[[call]]` with chain_id, to, data or function + args,
    /// value; `[[transfer]]` with chain_id, token, to, amount).
    #[arg(long = "instructions", value_name = "PATH")]
    pub(crate) file: Option<PathBuf>,
}

/// One plain call, as the session will make it (for checking it against policies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PlainCall {
    pub(crate) chain_id: u64,
    pub(crate) to: Address,
    pub(crate) data: Bytes,
    pub(crate) value: U256,
}

/// `--call CHAIN:TO:DATA[:VALUE]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CallFlag(PlainCall);

impl FromStr for CallFlag {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = text.split(':').collect();
        if !(3..=4).contains(&parts.len()) {
            return Err(format!("expected CHAIN:TO:DATA[:VALUE], got {text:?}"));
        }
        let chain_id = parse_chain(parts[0])?;
        let to = parse_address(parts[1])?;
        let data = if parts[2].contains('(') {
            let function = Function::parse(parts[2])
                .map_err(|err| format!("{:?} is not a function signature: {err}", parts[2]))?;
            if !function.inputs.is_empty() {
                return Err(format!(
                    "{} takes arguments: give the calldata in hex, or use --instructions FILE with args",
                    parts[2]
                ));
            }
            Bytes::copy_from_slice(function.selector().as_slice())
        } else {
            parts[2]
                .parse::<Bytes>()
                .map_err(|_| format!("{:?} is not hex calldata", parts[2]))?
        };
        let value = match parts.get(3) {
            Some(value) => parse_amount(value)?,
            None => U256::ZERO,
        };
        Ok(Self(PlainCall {
            chain_id,
            to,
            data,
            value,
        }))
    }
}

/// `--transfer CHAIN:TOKEN:TO:AMOUNT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TransferFlag {
    chain_id: u64,
    token: Address,
    to: Address,
    amount: U256,
}

impl FromStr for TransferFlag {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = text.split(':').collect();
        let [chain, token, to, amount] = parts[..] else {
            return Err(format!("expected CHAIN:TOKEN:TO:AMOUNT, got {text:?}"));
        };
        Ok(Self {
            chain_id: parse_chain(chain)?,
            token: parse_address(token)?,
            to: parse_address(to)?,
            amount: parse_amount(amount)?,
        })
    }
}

fn parse_chain(text: &str) -> Result<u64, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a chain id"))
}

fn parse_address(text: &str) -> Result<Address, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("{text:?} is not an address"))
}

/// An instructions file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct InstructionsFile {
    #[serde(rename = "call", alias = "calls", default)]
    calls: Vec<FileCall>,
    #[serde(rename = "transfer", alias = "transfers", default)]
    transfers: Vec<FileTransfer>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileCall {
    chain_id: u64,
    to: Address,
    #[serde(default)]
    data: Option<Bytes>,
    #[serde(default)]
    function: Option<String>,
    #[serde(default)]
    args: Vec<String>,
    #[serde(default)]
    value: Option<Amount>,
    #[serde(default)]
    gas_limit: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileTransfer {
    chain_id: u64,
    token: Address,
    to: Address,
    amount: Amount,
}

/// `function(types)` with `args` coerced from text and ABI-encoded.
pub(crate) fn encode_function(signature: &str, args: &[String]) -> anyhow::Result<Bytes> {
    let function = Function::parse(signature)
        .map_err(|err| anyhow::anyhow!("{signature:?} is not a function signature: {err}"))?;
    ensure!(
        function.inputs.len() == args.len(),
        "{signature} takes {} argument(s), got {}",
        function.inputs.len(),
        args.len()
    );
    let values = function
        .inputs
        .iter()
        .zip(args)
        .enumerate()
        .map(|(index, (param, arg))| {
            let ty: DynSolType = param.resolve()?;
            ty.coerce_str(arg)
                .with_context(|| format!("argument {} ({ty}) of {signature}: {arg:?}", index + 1))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(function.abi_encode_input(&values)?.into())
}

impl InstructionArgs {
    /// The instructions and the plain calls they make, file entries first, then `--call`, then
    /// `--transfer`.
    pub(crate) fn build(&self) -> anyhow::Result<(Vec<Instruction>, Vec<PlainCall>)> {
        let mut calls: Vec<(PlainCall, Option<u64>)> = Vec::new();
        let mut transfers: Vec<TransferFlag> = Vec::new();
        if let Some(path) = &self.file {
            let text = super::read_file(path, "instructions file")?;
            let parsed: InstructionsFile = if path.extension().and_then(|e| e.to_str())
                == Some("json")
                || text.trim_start().starts_with('{')
            {
                serde_json::from_str(&text)?
            } else {
                toml::from_str(&text)?
            };
            for (index, call) in parsed.calls.into_iter().enumerate() {
                let data = match (call.data, call.function) {
                    (Some(data), None) => {
                        ensure!(
                            call.args.is_empty(),
                            "call #{}: args need a function",
                            index + 1
                        );
                        data
                    }
                    (None, Some(function)) => encode_function(&function, &call.args)
                        .with_context(|| format!("call #{} in {}", index + 1, path.display()))?,
                    _ => bail!(
                        "call #{} in {}: give either data or function (+ args)",
                        index + 1,
                        path.display()
                    ),
                };
                calls.push((
                    PlainCall {
                        chain_id: call.chain_id,
                        to: call.to,
                        data,
                        value: call.value.unwrap_or_default().0,
                    },
                    call.gas_limit,
                ));
            }
            transfers.extend(parsed.transfers.into_iter().map(|t| TransferFlag {
                chain_id: t.chain_id,
                token: t.token,
                to: t.to,
                amount: t.amount.0,
            }));
        }
        calls.extend(self.calls.iter().map(|flag| (flag.0.clone(), None)));
        transfers.extend(self.transfers.iter().cloned());

        let mut instructions = Vec::new();
        let mut plain = Vec::new();
        for (call, gas_limit) in calls {
            let mut instruction_call =
                InstructionCall::new(call.to, call.data.clone()).value(call.value);
            if let Some(gas_limit) = gas_limit {
                instruction_call = instruction_call.gas_limit(gas_limit);
            }
            instructions.push(
                Instruction::builder(call.chain_id)
                    .call(instruction_call)
                    .build(),
            );
            plain.push(call);
        }
        for transfer in transfers {
            instructions.push(
                Erc20Instruction::transfer(
                    transfer.chain_id,
                    transfer.token,
                    transfer.to,
                    transfer.amount,
                )
                .build(),
            );
            plain.push(PlainCall {
                chain_id: transfer.chain_id,
                to: transfer.token,
                data: IErc20Transfer::transferCall {
                    to: transfer.to,
                    amount: transfer.amount,
                }
                .abi_encode()
                .into(),
                value: U256::ZERO,
            });
        }
        ensure!(
            !instructions.is_empty(),
            "nothing to execute: give --call, --transfer or --instructions FILE"
        );
        Ok((instructions, plain))
    }
}

#[cfg(test)]
mod tests {
    use alloy::primitives::{address, hex};

    use super::*;

    #[test]
    fn call_flags() {
        let flag: CallFlag = "8453:0xc0fFEE0000000000000000000000000000000003:increment():5"
            .parse()
            .unwrap();
        assert_eq!(flag.0.chain_id, 8453);
        assert_eq!(flag.0.data, Bytes::from(hex!("d09de08a")));
        assert_eq!(flag.0.value, U256::from(5));
        let raw: CallFlag = "10:0xc0fFEE0000000000000000000000000000000003:0xd09de08a"
            .parse()
            .unwrap();
        assert_eq!(raw.0.data, flag.0.data);
        for bad in [
            "8453:0xc0fFEE0000000000000000000000000000000003",
            "x:0xc0fFEE0000000000000000000000000000000003:0x",
            "1:0x12:0x",
            "1:0xc0fFEE0000000000000000000000000000000003:transfer(address,uint256)",
            "1:0xc0fFEE0000000000000000000000000000000003:0xzz",
        ] {
            assert!(bad.parse::<CallFlag>().is_err(), "{bad}");
        }
    }

    #[test]
    fn functions_with_arguments_encode_as_solidity_does() {
        let to = address!("0xa11ce00000000000000000000000000000000001");
        let encoded = encode_function(
            "transfer(address,uint256)",
            &[to.to_string(), "1000000".to_owned()],
        )
        .unwrap();
        let expected = IErc20Transfer::transferCall {
            to,
            amount: U256::from(1_000_000),
        }
        .abi_encode();
        assert_eq!(encoded, Bytes::from(expected));
        assert!(encode_function("transfer(address,uint256)", &["1".to_owned()]).is_err());
        assert!(encode_function("f(uint8)", &["300".to_owned()]).is_err());
    }

    #[test]
    fn transfers_become_erc20_instructions() {
        let args = InstructionArgs {
            calls: vec![],
            transfers: vec![
                "8453:0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913:0xa11ce00000000000000000000000000000000001:7"
                    .parse()
                    .unwrap(),
            ],
            file: None,
        };
        let (instructions, plain) = args.build().unwrap();
        assert_eq!(instructions.len(), 1);
        assert_eq!(plain[0].data[..4], [0xa9, 0x05, 0x9c, 0xbb]);
        assert_eq!(instructions[0].chain_id, 8453);
        let empty = InstructionArgs {
            calls: vec![],
            transfers: vec![],
            file: None,
        };
        assert!(empty.build().is_err());
    }
}
