#!/usr/bin/env bash
# Fuzzes the node's HTTP API with Schemathesis against the OpenAPI document the node serves.
#
#   cargo build --bin mee && tests/api-fuzz/run.sh      # or: make test-api
#
# What it does: creates a Python venv (once) with a pinned Schemathesis, starts `mee devnet
# --json` (two chains) and `mee node` on it with an API key, checks that GET /v1/openapi.json is
# a valid OpenAPI document, then runs Schemathesis over every operation with the checks
# not_a_server_error and response_schema_conformance, a bounded number of examples and a fixed
# seed. Any finding fails the run. Both children are stopped on the way out.
#
# Environment:
#   MEE_BIN              the mee binary (default: <repo>/target/debug/mee)
#   API_FUZZ_VENV        where the venv lives (default: <repo>/target/api-fuzz/venv)
#   API_FUZZ_EXAMPLES    examples per operation (default: 100)
#   API_FUZZ_SEED        Schemathesis seed (default: 1)
#   API_FUZZ_KEEP_LOGS=1 keep the work directory (logs, config, report) after a passing run
set -euo pipefail

SCHEMATHESIS_VERSION=4.32.5
VALIDATOR_VERSION=0.9.0
API_KEY=mee_api_fuzz

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MEE_BIN=${MEE_BIN:-$ROOT/target/debug/mee}
VENV=${API_FUZZ_VENV:-$ROOT/target/api-fuzz/venv}
EXAMPLES=${API_FUZZ_EXAMPLES:-100}
SEED=${API_FUZZ_SEED:-1}

cd "$ROOT"
log() { printf '[api-fuzz] %s\n' "$*" >&2; }

if [[ ! -x $MEE_BIN ]]; then
  log "$MEE_BIN not found: run \`cargo build --bin mee\` first (or set MEE_BIN)"
  exit 1
fi

# The venv, (re)created when the pinned versions are not the installed ones.
if ! "$VENV/bin/python" -c "
import importlib.metadata as m, sys
sys.exit(m.version('schemathesis') != '$SCHEMATHESIS_VERSION'
         or m.version('openapi-spec-validator') != '$VALIDATOR_VERSION')" 2>/dev/null; then
  log "installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check \
    "schemathesis==$SCHEMATHESIS_VERSION" "openapi-spec-validator==$VALIDATOR_VERSION"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/mee-api-fuzz-XXXXXX")
DEVNET_PID=
NODE_PID=
status=1
cleanup() {
  # The node first, then the devnet (its anvils stop with it).
  for pid in $NODE_PID $DEVNET_PID; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  if [[ $status -eq 0 && -z ${API_FUZZ_KEEP_LOGS:-} ]]; then
    rm -rf "$WORK"
  else
    log "logs kept in $WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The devnet: its first JSON document on stdout describes the chains.
"$MEE_BIN" devnet --json --chains 8453,10 >"$WORK/devnet.json" 2>"$WORK/devnet.log" &
DEVNET_PID=$!
for _ in $(seq 1 600); do
  if "$VENV/bin/python" -c "import json,sys; json.load(open(sys.argv[1]))" "$WORK/devnet.json" 2>/dev/null; then
    break
  fi
  if ! kill -0 "$DEVNET_PID" 2>/dev/null; then
    log "the devnet exited early:"; tail -20 "$WORK/devnet.log" >&2; exit 1
  fi
  sleep 0.2
done

PORT=$("$VENV/bin/python" -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")
"$VENV/bin/python" - "$WORK/devnet.json" "$PORT" "$WORK" >"$WORK/node.toml" <<'PY'
import json, sys
info = json.load(open(sys.argv[1]))
port, work = sys.argv[2], sys.argv[3]
print(f'listen = "127.0.0.1:{port}"')
print(f'node_key = "{info["node_key"]["private_key"]}"')
print(f'node_paymaster = "{info["node_paymaster"]}"')
print(f'database_url = "sqlite://{work}/node.db"')
print('api_keys = ["mee_api_fuzz"]')
for chain in info["chains"]:
    print(f'''
[[chains]]
chain_id = {chain["chain_id"]}
rpc_url = "{chain["rpc_url"]}"
native_usd_price = 10.0

[[chains.fee_tokens]]
address = "{info["usdc"]}"
name = "USD Coin"
symbol = "USDC"
decimals = 6
usd_price = 1.0
permit_enabled = true''')
PY

RUST_LOG=${RUST_LOG:-warn} "$MEE_BIN" node --config "$WORK/node.toml" >"$WORK/node.log" 2>&1 &
NODE_PID=$!
BASE=http://127.0.0.1:$PORT
for _ in $(seq 1 300); do
  if "$VENV/bin/python" -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=1)" "$BASE/health" 2>/dev/null; then
    break
  fi
  if ! kill -0 "$NODE_PID" 2>/dev/null; then
    log "the node exited early:"; tail -20 "$WORK/node.log" >&2; exit 1
  fi
  sleep 0.2
done
log "node up at $BASE (devnet: $("$VENV/bin/python" -c "import json,sys; print(' '.join(str(c['chain_id']) for c in json.load(open(sys.argv[1]))['chains']))" "$WORK/devnet.json"))"

# The served document must be valid OpenAPI.
"$VENV/bin/python" - "$BASE/v1/openapi.json" <<'PY'
import json, sys, urllib.request
from openapi_spec_validator import validate
doc = json.load(urllib.request.urlopen(sys.argv[1]))
validate(doc)
print(f"[api-fuzz] {sys.argv[1]}: valid OpenAPI {doc['openapi']}, {len(doc['paths'])} paths", file=sys.stderr)
PY

log "schemathesis $SCHEMATHESIS_VERSION: $EXAMPLES examples per operation, seed $SEED"
set +e
# From the work directory, so Schemathesis's cache (.schemathesis/) stays out of the repository.
cd "$WORK"
"$VENV/bin/st" run "$BASE/v1/openapi.json" \
  --url "$BASE" \
  --header "x-api-key: $API_KEY" \
  --checks not_a_server_error,response_schema_conformance \
  --phases examples,coverage,fuzzing \
  --max-examples "$EXAMPLES" \
  --seed "$SEED" \
  --workers 2 \
  --request-timeout 30 \
  --report junit --report-dir "$WORK/report" \
  --no-color
status=$?
set -e
if [[ $status -ne 0 ]]; then
  log "FAILED (schemathesis exit $status); the node's log:"
  tail -40 "$WORK/node.log" >&2
fi
exit $status
