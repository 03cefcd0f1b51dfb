#!/usr/bin/env bash
# Sets up and runs every test: type check, unit, language-server, command-line and integration tests
# (real RabbitMQ, OpenSSL and xmllint as independent oracles), and the end-to-end suite in a real VS Code.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npx tsc --noEmit -p .
npx mocha --config .mocharc.json 'test/unit/**/*.test.ts' 'test/lsp/**/*.test.ts' 'test/cli/**/*.test.ts' 'test/integration/**/*.test.ts'
# End to end in a real VS Code 1.100 (code-server) in Chromium; the first run installs it into ~/.cache/kpr-e2e (~3 min).
bash scripts/e2e.sh
