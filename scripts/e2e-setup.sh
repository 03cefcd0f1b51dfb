#!/usr/bin/env bash
# Installs what the end-to-end suite (test/e2e/) needs to drive a real VS Code in a real browser, offline:
# Debian's Chromium, ripgrep and libkrb5-dev, code-server (VS Code's own server build, from the npm registry)
# unpacked by hand with its native modules rebuilt for this Node, and playwright-core. See
# /work/shared/recipes/real-vscode-in-browser.md for why it is done by hand: the package's postinstall
# downloads from GitHub and fails without internet.
#
# Everything goes into a cache outside the repository (default ~/.cache/kpr-e2e, or $KPR_E2E_CACHE), one
# folder per version. A folder is reused only when its marker file says it is complete and was built for
# this Node's ABI; otherwise it is built again in a temp folder and moved into place, so an interrupted run
# never leaves a half-built cache that looks complete.
#
# Prints the paths for the harness as KEY=VALUE lines at the end (also written to $CACHE/env).
set -euo pipefail
cd "$(dirname "$0")/.."

CODE_SERVER_VERSION=4.100.3
PLAYWRIGHT_RANGE=1
CACHE=${KPR_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kpr-e2e}
CS_DIR=$CACHE/code-server-$CODE_SERVER_VERSION
PW_DIR=$CACHE/playwright-core-$PLAYWRIGHT_RANGE
NODE_ABI=$(node -p 'process.versions.modules')
CS_MARKER="code-server $CODE_SERVER_VERSION node-abi $NODE_ABI"
PW_MARKER="playwright-core@$PLAYWRIGHT_RANGE"

started=$(date +%s)
step_started=$started
say() { echo "e2e-setup: $*"; }
step_done() {
  local now; now=$(date +%s)
  say "$1 ($((now - step_started)) s)"
  step_started=$now
}

# --- Debian packages -------------------------------------------------------------------------------------
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v rg >/dev/null 2>&1 || need+=(ripgrep)
[ -f /usr/include/krb5.h ] || [ -f /usr/include/krb5/krb5.h ] || need+=(libkrb5-dev)
# Without any font the screenshots show boxes instead of letters.
[ -d /usr/share/fonts/truetype/dejavu ] || need+=(fonts-dejavu-core)
# The submission scenarios send over a private RabbitMQ (test/support/rabbitmq.ts), as scripts/setup.sh installs it.
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || need+=(rabbitmq-server)
if [ ${#need[@]} -gt 0 ]; then
  say "installing Debian packages: ${need[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  # Keep rabbitmq-server from starting a system-wide broker on 0.0.0.0: tests start their own on loopback.
  own_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    own_policy=1
    trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  # Stale or missing package lists are the usual reason an install fails; refresh once and retry.
  if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then $SUDO apt-get update -qq; fi
  if ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; then
    $SUDO apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
  if [ "$own_policy" = 1 ]; then
    $SUDO rm -f /usr/sbin/policy-rc.d
    trap - EXIT
  fi
  step_done "Debian packages installed"
fi
for cmd in chromium rg; do
  command -v "$cmd" >/dev/null 2>&1 || { say "$cmd is still missing after apt-get install" >&2; exit 1; }
done

# --- code-server -----------------------------------------------------------------------------------------
if [ -f "$CS_DIR/.kpr-e2e-complete" ] && [ "$(cat "$CS_DIR/.kpr-e2e-complete")" = "$CS_MARKER" ] \
  && [ -f "$CS_DIR/out/node/entry.js" ]; then
  say "code-server $CODE_SERVER_VERSION: cached in $CS_DIR"
else
  say "code-server $CODE_SERVER_VERSION: installing into $CS_DIR (about 3 minutes)"
  mkdir -p "$CACHE"
  work=$(mktemp -d "$CACHE/.build-code-server.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "code-server@$CODE_SERVER_VERSION" >/dev/null)
  tar xzf "$work/code-server-$CODE_SERVER_VERSION.tgz" -C "$work"
  pkg=$work/package
  step_done "code-server package unpacked"
  quiet=(--no-audit --no-fund --loglevel=error)
  (cd "$pkg/lib/vscode" && npm install "${quiet[@]}" --unsafe-perm --omit=dev --ignore-scripts >/dev/null)
  step_done "VS Code's node modules installed"
  # The modules with native code the server loads; built for this Node since their install scripts were skipped.
  (cd "$pkg/lib/vscode" && for m in kerberos @parcel/watcher @vscode/spdlog native-watchdog @vscode/deviceid; do
    npm rebuild "${quiet[@]}" "$m" >/dev/null
  done)
  (cd "$pkg/lib/vscode/node_modules/node-pty" && npx --yes node-gyp@12.4.0 rebuild >/dev/null 2>"$work/node-pty.log") \
    || { cat "$work/node-pty.log" >&2; say "building node-pty failed" >&2; exit 1; }
  step_done "native modules rebuilt"
  # @vscode/ripgrep's installer downloads rg from GitHub; Debian's rg does the same job.
  mkdir -p "$pkg/lib/vscode/node_modules/@vscode/ripgrep/bin"
  cp "$(command -v rg)" "$pkg/lib/vscode/node_modules/@vscode/ripgrep/bin/rg"
  (cd "$pkg/lib/vscode" && ln -sfn node_modules node_modules.asar)
  (cd "$pkg/lib/vscode/extensions" && npm install "${quiet[@]}" --unsafe-perm --omit=dev --ignore-scripts >/dev/null)
  (cd "$pkg" && npm install "${quiet[@]}" --omit=dev --ignore-scripts >/dev/null && npm rebuild "${quiet[@]}" argon2 >/dev/null)
  step_done "built-in extensions and code-server's own modules installed"
  # Proof that the native modules load in this Node before the cache is declared complete.
  (cd "$pkg/lib/vscode" && node -e '
    for (const m of ["kerberos", "@parcel/watcher", "@vscode/spdlog", "native-watchdog", "@vscode/deviceid", "node-pty"]) require(m);
  ') || { say "a rebuilt native module does not load" >&2; exit 1; }
  # An explicit --config keeps code-server from writing a default config (with a password) into ~/.config.
  : > "$work/config.yaml"
  version=$(node "$pkg/out/node/entry.js" --config "$work/config.yaml" --version 2>&1 | grep -Eo '^[0-9]+\.[0-9]+\.[0-9]+' | head -1 || true)
  if [ "$version" != "$CODE_SERVER_VERSION" ]; then
    say "code-server --version printed '$version', expected $CODE_SERVER_VERSION" >&2
    exit 1
  fi
  echo "$CS_MARKER" > "$pkg/.kpr-e2e-complete"
  rm -rf "$CS_DIR"
  mv "$pkg" "$CS_DIR"
  rm -rf "$work"
  trap - EXIT
  step_done "code-server $CODE_SERVER_VERSION ready"
fi

# --- playwright-core -------------------------------------------------------------------------------------
# Resolved from the project's node_modules when it is a devDependency there; otherwise from this cache.
if [ -f node_modules/playwright-core/package.json ]; then
  PW_MODULE=$(cd node_modules/playwright-core && pwd)
  say "playwright-core: from the project's node_modules"
elif [ -f "$PW_DIR/.kpr-e2e-complete" ] && [ "$(cat "$PW_DIR/.kpr-e2e-complete")" = "$PW_MARKER" ] \
  && [ -f "$PW_DIR/node_modules/playwright-core/package.json" ]; then
  PW_MODULE=$PW_DIR/node_modules/playwright-core
  say "playwright-core: cached in $PW_DIR"
else
  rm -rf "$PW_DIR"
  mkdir -p "$PW_DIR"
  # playwright-core has no install script and downloads no browser: Debian's Chromium is used.
  npm install --prefix "$PW_DIR" --no-audit --no-fund --loglevel=error --no-save "playwright-core@$PLAYWRIGHT_RANGE" >/dev/null
  echo "$PW_MARKER" > "$PW_DIR/.kpr-e2e-complete"
  PW_MODULE=$PW_DIR/node_modules/playwright-core
  step_done "playwright-core $(node -p "require('$PW_MODULE/package.json').version") installed"
fi

cat > "$CACHE/env" <<EOF
KPR_E2E_CODE_SERVER=$CS_DIR
KPR_E2E_PLAYWRIGHT=$PW_MODULE
KPR_E2E_CHROMIUM=$(command -v chromium)
EOF
cat "$CACHE/env"
say "done in $(( $(date +%s) - started )) s"
