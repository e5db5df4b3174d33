#!/bin/sh
# Installs whatever this machine lacks to build, run and test Kith, and skips what is
# already present (a warm run takes about a second). Used by `npm run dev` and `npm test`.
#   - Rust target wasm32-unknown-unknown, rustfmt, clippy
#   - wasm-bindgen-cli at exactly the wasm-bindgen version in Cargo.lock
#   - worker-build at exactly the worker crate version in Cargo.lock
#   - npm packages from package-lock.json (wrangler 4.86.0, binaryen 132, playwright-core,
#     oidc-provider, miniflare, esbuild)
#   - Debian's chromium + chromium-driver (never a browser download)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"

say() { echo "[setup] $*"; }
locked_version() { # the version of crate $1 in Cargo.lock
  awk -v n="$1" '$0 == "name = \"" n "\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

command -v cargo >/dev/null || { echo "cargo is required (https://rustup.rs)" >&2; exit 1; }
command -v node >/dev/null || { echo "Node.js >= 20 is required" >&2; exit 1; }
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' || {
  echo "Node.js >= 20 is required (found $(node --version))" >&2; exit 1; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding Rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
for c in rustfmt clippy; do
  if ! rustup component list --installed | grep -q "^$c"; then
    say "adding Rust component $c"
    rustup component add "$c"
  fi
done

WB=$(locked_version wasm-bindgen)
if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WB" ]; then
  say "installing wasm-bindgen-cli $WB (about 5 minutes)"
  # Not --locked: its lockfile pins a crate version this registry may lack.
  cargo install -q wasm-bindgen-cli --version "$WB" --force
fi

WORKER=$(locked_version worker)
if [ "$(worker-build --version 2>/dev/null)" != "$WORKER" ]; then
  say "installing worker-build $WORKER (about 4-7 minutes)"
  cargo install -q worker-build --version "$WORKER" --locked --force
fi

STAMP=node_modules/.kith-lock.sha256
WANT=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT" ]; then
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$WANT" > "$STAMP"
fi

if [ ! -x /usr/bin/chromium ] || ! command -v chromedriver >/dev/null; then
  say "installing Debian's chromium and chromium-driver"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi
