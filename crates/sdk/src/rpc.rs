//! Chain access: the two JSON-RPC reads the SDK needs (`eth_call` and `eth_getCode`), behind a
//! trait so accounts can run on alloy providers, on recorded answers or on test doubles.
//!
//! Every read the SDK makes goes through [`ChainRpc`]: account addresses from the factory,
//! deployment checks, installed modules, EntryPoint nonces and the Smart Sessions views.
//! [`connect_http`] gives an alloy HTTP provider; any [`alloy::providers::DynProvider`] is a
//! [`ChainRpc`] too.

use std::{fmt, sync::Arc};

use alloy::{
    primitives::{Address, B256, Bytes},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::{TransactionReceipt, TransactionRequest},
    sol_types::SolCall,
    transports::{TransportError, TransportErrorKind},
};

use crate::error::{Error, Result};

/// The reads of one chain.
#[async_trait::async_trait]
pub trait ChainRpc: Send + Sync + fmt::Debug {
    /// `eth_call` of `data` on `to` at the latest block.
    async fn call(&self, to: Address, data: Bytes) -> Result<Bytes, TransportError>;

    /// `eth_getCode` of `address` at the latest block.
    async fn code(&self, address: Address) -> Result<Bytes, TransportError>;

    /// `eth_getTransactionReceipt(hash)`: `None` while the transaction is unknown or pending.
    /// Readers that cannot fetch receipts (recorded answers, test doubles) keep the default,
    /// which fails.
    async fn transaction_receipt(
        &self,
        hash: B256,
    ) -> Result<Option<TransactionReceipt>, TransportError> {
        let _ = hash;
        Err(TransportErrorKind::custom_str(
            "this chain reader does not fetch transaction receipts",
        ))
    }
}

#[async_trait::async_trait]
impl ChainRpc for DynProvider {
    async fn call(&self, to: Address, data: Bytes) -> Result<Bytes, TransportError> {
        let request = TransactionRequest::default().to(to).input(data.into());
        Provider::call(self, request).await
    }

    async fn code(&self, address: Address) -> Result<Bytes, TransportError> {
        self.get_code_at(address).await
    }

    async fn transaction_receipt(
        &self,
        hash: B256,
    ) -> Result<Option<TransactionReceipt>, TransportError> {
        self.get_transaction_receipt(hash).await
    }
}

/// A shared handle to one chain's [`ChainRpc`]. Two handles are equal when they share the
/// same connection.
#[derive(Clone, Debug)]
pub struct Rpc(pub Arc<dyn ChainRpc>);

impl PartialEq for Rpc {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Rpc {}

impl<T: ChainRpc + 'static> From<Arc<T>> for Rpc {
    fn from(rpc: Arc<T>) -> Self {
        Self(rpc)
    }
}

impl From<DynProvider> for Rpc {
    fn from(provider: DynProvider) -> Self {
        Self(Arc::new(provider))
    }
}

/// An HTTP JSON-RPC connection to `url` for `chain_id`.
pub fn connect_http(chain_id: u64, url: &str) -> Result<Rpc> {
    let parsed = url.parse().map_err(|_| Error::BadRpcUrl {
        chain_id,
        url: url.to_owned(),
    })?;
    Ok(ProviderBuilder::new().connect_http(parsed).erased().into())
}

impl Rpc {
    /// `eth_call` of a typed call on `to`, decoding its return value.
    pub async fn call_sol<C: SolCall>(
        &self,
        chain_id: u64,
        to: Address,
        call: &C,
    ) -> Result<C::Return> {
        let output = self
            .0
            .call(to, call.abi_encode().into())
            .await
            .map_err(|source| Error::Rpc { chain_id, source })?;
        C::abi_decode_returns(&output).map_err(|source| Error::BadReturn {
            chain_id,
            function: C::SIGNATURE,
            source,
        })
    }

    /// The code at `address`.
    pub async fn code(&self, chain_id: u64, address: Address) -> Result<Bytes> {
        self.0
            .code(address)
            .await
            .map_err(|source| Error::Rpc { chain_id, source })
    }

    /// The receipt of transaction `hash` on `chain_id`: [`Error::ReceiptNotFound`] while there
    /// is none.
    pub async fn transaction_receipt(
        &self,
        chain_id: u64,
        hash: B256,
    ) -> Result<TransactionReceipt> {
        self.0
            .transaction_receipt(hash)
            .await
            .map_err(|source| Error::Rpc { chain_id, source })?
            .ok_or(Error::ReceiptNotFound { chain_id, hash })
    }
}
