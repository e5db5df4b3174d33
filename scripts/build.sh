#!/bin/sh
# Builds the Worker (edge-worker/build/) and the browser SDK (pkg/wasm/) with the pinned
# tools that scripts/setup.sh installed. Incremental: cargo skips unchanged crates.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"
export WASM_BINDGEN_BIN="$HOME/.cargo/bin/wasm-bindgen"
export WASM_OPT_BIN="$ROOT/node_modules/.bin/wasm-opt"
export ESBUILD_BIN="$ROOT/node_modules/.bin/esbuild"

mkdir -p "$ROOT/target"
what=${1:-all}
if [ "$what" = all ] || [ "$what" = worker ]; then
  echo "==> building the Worker (worker-build --profile worker)"
  (cd edge-worker && worker-build --profile worker >/dev/null 2>"$ROOT/target/worker-build.log") || {
    cat "$ROOT/target/worker-build.log" >&2; exit 1; }
  # worker-build keeps the wasm name section (function names in stack traces); ship without.
  "$WASM_OPT_BIN" edge-worker/build/index_bg.wasm --strip-debug --strip-producers \
    --enable-mutable-globals --enable-sign-ext --enable-nontrapping-float-to-int --enable-bulk-memory \
    --enable-multivalue --enable-reference-types --enable-exception-handling \
    -o edge-worker/build/index_bg.wasm
fi
if [ "$what" = all ] || [ "$what" = sdk ]; then
  echo "==> building the SDK (cargo --features bundle + wasm-bindgen + table GC + wasm-opt -Oz + short names)"
  # Linked with its function table at a distinctive index (scripts/lib/wasm-table-gc.mjs).
  TABLE_BASE=$(node -e 'import("./scripts/lib/wasm-table-gc.mjs").then((m) => console.log(m.TABLE_BASE))')
  cargo rustc -q -p kith-sdk --lib --target wasm32-unknown-unknown --release --features bundle \
    -- -C link-arg=--table-base="$TABLE_BASE"
  mkdir -p pkg/wasm
  wasm-bindgen --target web --out-dir pkg/wasm --out-name kith_sdk \
    target/wasm32-unknown-unknown/release/kith_sdk.wasm
  # The table entries only wasm-bindgen's deleted describe functions referred to go, and what
  # they kept alive with them (~2 KB gzip); the text round trip keeps the module's features.
  FEATURES=$("$WASM_OPT_BIN" pkg/wasm/kith_sdk_bg.wasm --print-features 2>/dev/null)
  # shellcheck disable=SC2086 # one flag per word
  "$WASM_OPT_BIN" $FEATURES pkg/wasm/kith_sdk_bg.wasm --print >target/sdk-table.wat
  node scripts/lib/wasm-table-gc.mjs target/sdk-table.wat target/sdk-table-gc.wat
  # --converge: -Oz until nothing shrinks; no producers / target-features sections (~350 B gzip).
  # --low-memory-unused: the first 1 KB of memory is never addressed (the stack comes first and
  # grows down from 1 MB, data sits above it), so wasm-opt may fold constant offsets into
  # loads and stores (~270 B gzip).
  # --flatten --rereloop between two -Oz: the control flow rebuilt from scratch folds a little
  # further (~130 B gzip).
  # shellcheck disable=SC2086
  "$WASM_OPT_BIN" -Oz --flatten --rereloop -Oz --converge --strip-producers --strip-target-features \
    --low-memory-unused $FEATURES target/sdk-table-gc.wat -o pkg/wasm/kith_sdk_bg.wasm
  # One- and two-letter import/export names instead of wasm-bindgen's hashed ones (~2 KB gzip).
  node scripts/lib/wasm-names.mjs pkg/wasm/kith_sdk_bg.wasm pkg/wasm/kith_sdk.js pkg/wasm/kith_sdk.d.ts
fi
