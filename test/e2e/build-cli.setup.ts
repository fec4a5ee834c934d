/**
 * The e2e tests start `bin/crabbox.js`, which loads the built CLI (dist/cli): build it from the
 * current sources first, so they never test a stale build (docs/cli.md, "Start-up").
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export default function setup(): void {
  const script = fileURLToPath(new URL("../../scripts/build-cli.mjs", import.meta.url));
  const result = spawnSync(process.execPath, [script], { stdio: "inherit" });
  if (result.status !== 0) throw new Error(`building the CLI failed (exit ${result.status})`);
}
