#!/usr/bin/env bash
# The end-to-end suite: installs (or reuses from ~/.cache/kpr-e2e) a real VS Code (code-server 4.100.3) and
# Debian's Chromium, then runs test/e2e/**/*.test.ts with mocha; each suite starts its own VS Code with the
# extension installed and drives it like a user. Artefacts (screenshots, logs): test-results/e2e/.
# KPR_E2E_DOCS_IMAGES=1 also copies the scenario screenshots to docs/images/ after a green run.
# Extra arguments go to mocha (e.g. --grep quick).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
bash scripts/e2e-setup.sh
rm -rf test-results/e2e
status=0
npx mocha --config .mocharc.json --timeout 300000 --slow 60000 'test/e2e/**/*.test.ts' "$@" || status=$?
echo "e2e: finished in $(( $(date +%s) - started )) s (artefacts: test-results/e2e/)"
if [ "$status" -eq 0 ] && [ "${KPR_E2E_DOCS_IMAGES:-}" = 1 ]; then
  mkdir -p docs/images
  cp test-results/e2e/screenshots/*.png docs/images/
  echo "e2e: screenshots copied to docs/images/"
fi
exit "$status"
