#!/bin/sh
# `npm test`: every check and test of Kith, in order of speed. Run after scripts/setup.sh.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"
export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false
# Chromium and the tests' temporary directories stay inside target/ and are removed here.
export TMPDIR="$ROOT/target/tmp"
rm -rf "$TMPDIR" && mkdir -p "$TMPDIR"
# wrangler's debug logs (every DevTools event) go there too, not to ~/.config/.wrangler/logs.
export WRANGLER_LOG_PATH="$TMPDIR/wrangler-logs"
# No banner, so no npm update check (TMPDIR, its cache, is fresh each run): its request can hold
# a finished wrangler command open.
export WRANGLER_HIDE_BANNER=true

step() { echo; echo "==> $*"; }

step "cargo fmt --check"
cargo fmt --all -- --check
step "source files hold one idea (at most 400 lines; functions at most 80, by clippy)"
long=$(find shared/src edge-worker/src sdk-wasm/src -name '*.rs' -exec wc -l {} + | awk '$2 != "total" && $1 > 400 {print "  " $2 " (" $1 " lines)"}')
if [ -n "$long" ]; then echo "over 400 lines:"; echo "$long"; exit 1; fi
step "cargo clippy (native, all targets)"
cargo clippy -q --workspace --all-targets -- -D warnings
step "cargo clippy (wasm32)"
cargo clippy -q --workspace --target wasm32-unknown-unknown -- -D warnings
step "cargo test (native)"
cargo test -q --workspace
step "cargo build -p kith-claims --target wasm32-unknown-unknown"
cargo build -q -p kith-claims --target wasm32-unknown-unknown
step "build the Worker and the SDK"
sh scripts/build.sh
step "SDK units in headless Chromium (wasm-bindgen-test)"
(cd sdk-wasm && CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner CHROMEDRIVER=/usr/bin/chromedriver \
  cargo test --target wasm32-unknown-unknown --test browser)
step "npm package (npm pack, publint --strict, arethetypeswrong, SSR import, .d.ts snapshot)"
node --test --test-reporter=spec --test-concurrency=1 tests/sdk/
step "Worker integration tests (workerd + D1 + oidc-provider)"
node --test --test-reporter=spec --test-concurrency=1 tests/integration/
step "end-to-end tests (Chromium + wrangler dev + oidc-provider)"
node --test --test-reporter=spec --test-concurrency=1 tests/e2e/
echo
echo "All Kith tests passed."
