//! Devnet integration tests: real anvil processes.

mod harness;
mod sessions;
mod supertx;

use std::path::Path;

use alloy::sol_types::SolCall;
use alloy::{primitives::U256, providers::Provider};
use mee_contracts::{entry_point, tokens::TestUSDC, utils::Multicall3};
use mee_devnet::{Devnet, DevnetError, MULTICALL3, Method};
use mee_primitives::{
    addresses::{DEVNET_USDC, ENTRY_POINT_V07},
    chains::REFERENCE_CHAINS,
};

fn process_alive(pid: u32) -> bool {
    // A killed and reaped process has no /proc entry; a zombie would still count as alive.
    Path::new(&format!("/proc/{pid}")).exists()
}

#[tokio::test]
async fn four_chains_with_entry_point_and_usdc() {
    let devnet = Devnet::builder().spawn().await.expect("devnet starts");
    let ids: Vec<u64> = devnet.chains().iter().map(|c| c.chain_id()).collect();
    assert_eq!(ids, REFERENCE_CHAINS);

    let keys = devnet.test_keys();
    for chain in devnet.chains() {
        let provider = chain.provider();
        assert_eq!(provider.get_chain_id().await.unwrap(), chain.chain_id());

        // The EntryPoint is the npm artifact's runtime code, at the canonical address, and it got
        // there through CREATE2 (the artifact reproduces the address).
        let code = provider.get_code_at(ENTRY_POINT_V07).await.unwrap();
        assert!(
            code.len() > 10_000,
            "EntryPoint code on chain {}",
            chain.chain_id()
        );
        let placed = &chain.contracts()[0];
        assert_eq!(placed.address, ENTRY_POINT_V07);
        assert_eq!(placed.method, Method::Create2);
        let ep = entry_point::EntryPoint::new(ENTRY_POINT_V07, &provider);
        assert_eq!(
            ep.balanceOf(keys[0].address).call().await.unwrap(),
            U256::ZERO
        );

        // USDC at its fixed address, 6 decimals, every test key funded with ETH and USDC.
        let usdc = TestUSDC::new(DEVNET_USDC, &provider);
        assert_eq!(usdc.decimals().call().await.unwrap(), 6);
        assert_eq!(usdc.symbol().call().await.unwrap(), "USDC");
        for key in &keys {
            let balance = usdc.balanceOf(key.address).call().await.unwrap();
            assert_eq!(balance, U256::from(1_000_000u64 * 1_000_000));
            let eth = provider.get_balance(key.address).await.unwrap();
            assert!(
                eth >= U256::from(10u64).pow(U256::from(21)),
                "ETH of {}",
                key.address
            );
        }
        // The test keys' USDC and the two gas tanks'.
        let supply = usdc.totalSupply().call().await.unwrap();
        assert_eq!(
            supply,
            U256::from((keys.len() as u64 + 2) * 1_000_000 * 1_000_000)
        );
    }
}

/// Multicall3 answers at its canonical address on every chain as viem calls it (`aggregate3`
/// with `allowFailure`), here with the reads of the SDK's permit detection.
#[tokio::test]
async fn multicall3_at_its_canonical_address() {
    let devnet = Devnet::builder()
        .chain_ids([8453, 10])
        .spawn()
        .await
        .expect("devnet starts");
    let holder = devnet.test_keys()[0].address;
    for chain in devnet.chains() {
        let provider = chain.provider();
        assert!(chain.contracts().iter().any(|p| p.address == MULTICALL3));
        let multicall = Multicall3::new(MULTICALL3, &provider);
        let call = |data: Vec<u8>, allow_failure| Multicall3::Call3 {
            target: DEVNET_USDC,
            allowFailure: allow_failure,
            callData: data.into(),
        };
        let results = multicall
            .aggregate3(vec![
                call(TestUSDC::noncesCall { owner: holder }.abi_encode(), true),
                call(TestUSDC::DOMAIN_SEPARATORCall {}.abi_encode(), true),
                call(TestUSDC::balanceOfCall { owner: holder }.abi_encode(), true),
                call(vec![0xde, 0xad, 0xbe, 0xef], true),
            ])
            .call()
            .await
            .expect("aggregate3");
        assert_eq!(results.len(), 4);
        assert!(results[..3].iter().all(|r| r.success));
        assert!(!results[3].success, "an unknown selector fails softly");
        let usdc = TestUSDC::new(DEVNET_USDC, &provider);
        assert_eq!(
            results[1].returnData.as_ref(),
            usdc.DOMAIN_SEPARATOR().call().await.unwrap().as_slice()
        );
        assert_eq!(
            U256::from_be_slice(&results[2].returnData),
            U256::from(1_000_000u64 * 1_000_000)
        );
        let chain_id = multicall.getChainId().call().await.unwrap();
        assert_eq!(chain_id, U256::from(chain.chain_id()));
        // A failure that is not allowed reverts the whole call.
        assert!(
            multicall
                .aggregate3(vec![call(vec![0xde, 0xad, 0xbe, 0xef], false)])
                .call()
                .await
                .is_err()
        );
    }
}

#[tokio::test]
async fn anvil_processes_are_gone_after_drop() {
    let devnet = Devnet::builder()
        .chain_ids([8453, 10])
        .spawn()
        .await
        .expect("devnet starts");
    let pids: Vec<u32> = devnet.chains().iter().map(|c| c.pid()).collect();
    assert_eq!(pids.len(), 2);
    assert!(pids.iter().all(|&pid| process_alive(pid)));
    let urls: Vec<String> = devnet
        .chains()
        .iter()
        .map(|c| c.rpc_url().to_string())
        .collect();

    drop(devnet);

    for pid in pids {
        assert!(!process_alive(pid), "anvil {pid} still running after drop");
    }
    // Nothing answers on the old ports any more.
    for url in urls {
        let provider = alloy::providers::ProviderBuilder::new().connect_http(url.parse().unwrap());
        assert!(
            provider.get_chain_id().await.is_err(),
            "{url} still answers"
        );
    }
}

#[tokio::test]
async fn rejects_bad_chain_lists_and_missing_anvil() {
    let err = Devnet::builder().chain_ids([]).spawn().await.unwrap_err();
    assert!(matches!(err, DevnetError::InvalidChains(_)), "{err}");
    let err = Devnet::builder()
        .chain_ids([10, 10])
        .spawn()
        .await
        .unwrap_err();
    assert!(
        matches!(err, DevnetError::InvalidChains(ref m) if m.contains("twice")),
        "{err}"
    );

    let err = Devnet::builder()
        .chain_ids([10])
        .anvil_path("/nonexistent/anvil")
        .spawn()
        .await
        .unwrap_err();
    assert!(
        matches!(err, DevnetError::Spawn { chain_id: 10, .. }),
        "{err}"
    );
}

#[tokio::test]
async fn info_serialises_chains_addresses_and_keys() {
    let devnet = Devnet::builder()
        .chain_ids([137])
        .spawn()
        .await
        .expect("devnet starts");
    let json = serde_json::to_value(devnet.info()).unwrap();
    assert_eq!(json["chains"][0]["chain_id"], 137);
    assert_eq!(json["chains"][0]["rpc_url"], devnet.chains()[0].rpc_url());
    assert_eq!(
        json["entry_point"].as_str().unwrap().to_lowercase(),
        format!("{ENTRY_POINT_V07:#x}")
    );
    assert_eq!(
        json["usdc"].as_str().unwrap().to_lowercase(),
        format!("{DEVNET_USDC:#x}")
    );
    assert_eq!(json["test_keys"].as_array().unwrap().len(), 8);
    assert_eq!(json["mee_versions"][0]["version"], "2.0.0");
    assert_eq!(json["mee_versions"][1]["version"], "2.1.0");
    assert_eq!(
        json["chains"][0]["contracts"][1]["method"],
        "deploy_and_copy"
    );
}

#[tokio::test]
async fn gas_tanks_are_accounts_of_the_gas_tank_key_holding_usdc() {
    use mee_contracts::{account::SmartAccount, validators::K1MeeValidator};
    use mee_primitives::addresses::{DEFAULT_GAS_TANK, MEE_2_0_0};

    let devnet = Devnet::builder()
        .chain_ids([8453, 10])
        .spawn()
        .await
        .expect("devnet starts");
    let tanks = devnet.gas_tanks();
    assert_eq!(tanks.sdk_default, DEFAULT_GAS_TANK);
    assert_ne!(tanks.self_hosted, DEFAULT_GAS_TANK);
    assert_eq!(tanks.owner, mee_devnet::gas_tank_key().address);
    for chain in devnet.chains() {
        let provider = chain.provider();
        let validator = K1MeeValidator::new(MEE_2_0_0.mee_validator, &provider);
        for tank in [tanks.self_hosted, tanks.sdk_default] {
            let account = SmartAccount::new(tank, &provider);
            assert_eq!(
                account.accountId().call().await.unwrap(),
                "biconomy.nexus.1.2.0"
            );
            assert!(account.isInitialized().call().await.unwrap());
            assert_eq!(
                validator.getOwner(tank).call().await.unwrap(),
                tanks.owner,
                "owner of {tank} on chain {}",
                chain.chain_id()
            );
            let usdc = TestUSDC::new(DEVNET_USDC, &provider);
            assert_eq!(
                usdc.balanceOf(tank).call().await.unwrap(),
                U256::from(1_000_000u64 * 1_000_000)
            );
        }
    }
    let json = serde_json::to_value(devnet.info()).unwrap();
    assert_eq!(
        json["gas_tanks"]["sdk_default"]
            .as_str()
            .unwrap()
            .to_lowercase(),
        format!("{DEFAULT_GAS_TANK:#x}")
    );
    assert!(json["gas_tank_key"]["private_key"].is_string());
}
