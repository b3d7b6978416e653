# The project's habits. `make demo` and `make test` work on a fresh clone: they install the pinned
# npm toolchain (anvil, forge, solc, Solidity libraries) first, and download nothing else.

CARGO ?= cargo
FORGE := node_modules/@foundry-rs/forge-linux-amd64/bin/forge
NPM_STAMP := node_modules/.package-lock.json
COMPAT_STAMP := tests/compat/node_modules/.package-lock.json

.PHONY: setup demo test test-contracts test-rust test-compat test-api postgres lint fmt bench vectors clean

# TypeScript SDK flows that pass against our node today (tests/compat/README.md lists the rest).
COMPAT_FLOWS ?= accounts,supertx,sessions,grant,sponsored,large-enable,eip7702,fusion

## setup: install the pinned npm toolchain (idempotent: reruns only when package-lock.json changes)
setup: $(NPM_STAMP)

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

$(COMPAT_STAMP): tests/compat/package.json tests/compat/package-lock.json
	npm --prefix tests/compat ci --no-audit --no-fund
	@touch $@

## demo: start four local chains, run the flow, stop
demo: setup
	$(CARGO) run --quiet --bin mee -- demo

## test: every test — Solidity (forge), Rust (nextest + doctests), the TypeScript SDK against our
## node and contracts, formatting and clippy
test: setup lint test-contracts test-rust test-compat test-api

test-contracts: setup
	cd contracts && ../$(FORGE) test

test-rust: setup postgres
	$(CARGO) nextest run --workspace --no-fail-fast
	$(CARGO) test --workspace --doc

## lint: rustfmt check and clippy with warnings denied
## test-compat: the unchanged TypeScript SDK (@biconomy/abstractjs 1.2.3) against the devnet and node
test-compat: setup $(COMPAT_STAMP)
	$(CARGO) build --bin mee
	COMPAT_FLOWS=$(COMPAT_FLOWS) npm --prefix tests/compat test

## test-api: Schemathesis (pinned, from PyPI, in a venv under target/) against the node's served
## OpenAPI document: no server error, no response outside the document's schemas
test-api: setup
	$(CARGO) build --bin mee
	tests/api-fuzz/run.sh

## postgres: make sure the PostgreSQL server of the node's tests runs (installs Debian's package
## and starts it when missing; nothing to do when it already answers)
postgres:
	scripts/postgres-setup

lint: setup
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all

## bench: the SDK, Rust (criterion) vs the TypeScript SDK side by side, then the node under load
## on a four-chain devnet (docs/BENCHMARKS.md)
bench: setup $(COMPAT_STAMP)
	node tests/compat/bench/run.mjs
	$(CARGO) run --release --quiet --bin mee -- bench

## vectors: regenerate the golden vectors in tests/vectors from the TypeScript SDK
vectors: $(COMPAT_STAMP)
	npm --prefix tests/compat run vectors

clean:
	$(CARGO) clean
	rm -rf contracts/out contracts/cache
