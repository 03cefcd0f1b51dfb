#!/usr/bin/env bash
# The main job: sets up everything, then opens a real VS Code (code-server, VS Code 1.100) in the browser
# with the KPR extension installed from its .vsix and a demo workspace: a synthetic year's fagmelding and
# identmelding with the problems the yearly letter warns about, and a mapping file. "KPR: Submit to Local
# Receiver" sends to the built-in local KPR receiver, so the whole flow works with nothing else installed.
#
#   bash scripts/demo.sh            # serves http://127.0.0.1:8123 until Ctrl-C
#   KPR_DEMO_PORT=9000 bash scripts/demo.sh
#   KPR_DEMO_CHECK_ONLY=1 bash scripts/demo.sh   # no VS Code: generate the workspace and run `kpr check`
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
bash scripts/setup.sh
out="$repo/demo"
npx tsx scripts/demo-workspace.ts "$out"
echo
echo "== kpr check demo/ (what a build pipeline sees) =="
node dist/cli.js check "$out" || true
[ "${KPR_DEMO_CHECK_ONLY:-}" = 1 ] && exit 0

bash scripts/e2e-setup.sh >/dev/null
# shellcheck disable=SC1090
. "${KPR_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kpr-e2e}/env"
npm run --silent package >/dev/null
vsix=$(ls -t kpr-*.vsix | head -n 1)

profile="$repo/.demo-profile"
rm -rf "$profile"
mkdir -p "$profile/user-data/User" "$profile/extensions"
cat > "$profile/user-data/User/settings.json" <<'JSON'
{
  "security.workspace.trust.enabled": false,
  "workbench.startupEditor": "none",
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "git.openRepositoryInParentFolders": "never",
  "kpr.language": "auto"
}
JSON
cs="$KPR_E2E_CODE_SERVER/out/node/entry.js"
node "$cs" --user-data-dir "$profile/user-data" --extensions-dir "$profile/extensions" --install-extension "$repo/$vsix" >/dev/null
port="${KPR_DEMO_PORT:-8123}"
echo
echo "== VS Code with the KPR extension: open http://127.0.0.1:$port/?folder=$out  (Ctrl-C stops it) =="
echo "   Try: open fagmelding-*.xml (Problems panel), Ctrl+. on the code 12, then F1 → \"KPR: Submit to Local Receiver\"."
: > "$profile/code-server.yaml"   # no personal code-server config (password, port) gets in the way
exec node "$cs" --config "$profile/code-server.yaml" --auth none --bind-addr "127.0.0.1:$port" --disable-telemetry --disable-update-check \
  --disable-workspace-trust --user-data-dir "$profile/user-data" --extensions-dir "$profile/extensions" "$out"
