#!/usr/bin/env bash
# The main job: sets up the project, generates a demo year's extract (synthetic people, with the kinds of
# problems the yearly letter warns about) and checks it with `kpr check`, as an analyst or a pipeline would.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
out="${1:-demo}"
npx tsx scripts/demo-workspace.ts "$out"
echo
echo "== kpr check $out =="
node dist/cli.js check "$out" || true
