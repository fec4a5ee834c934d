#!/usr/bin/env bash
# The whole suite: set-up, type check, lint, then unit (Node), workerd (Durable Object) and
# end-to-end tests. npm puts node_modules/.bin first on PATH, so `node` here is Node 22.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$PATH"
echo "test: node $(node --version)" >&2
# The whole program, then the Workers side and the Node side each with only its own types.
npm run --silent typecheck
# biome (with noImportCycles), knip (unused files, exports, dependencies), doc links.
npm run --silent lint
mkdir -p test-artifacts
status=0
# The whole suite measures coverage of the core and fails below the thresholds in
# vitest.config.ts (istanbul costs about 3% of the run, README "Coverage"). A run of chosen
# files (`npm test -- test/x.unit.test.ts`) skips it: it could never reach them.
coverage=()
if (($# == 0)); then coverage=(--coverage); fi
vitest run --reporter=default --reporter=json --outputFile.json=test-artifacts/vitest.json "${coverage[@]}" "$@" || status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync("test-artifacts/vitest.json", "utf8"));
  console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' || true
exit "$status"
