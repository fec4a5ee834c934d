#!/usr/bin/env node
// The crabbox command. Runs the TypeScript sources through tsx so the checkout works
// without a build step (`npx crabbox` here, or a global install from the checkout).
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { constants } from "node:os";
import { fileURLToPath } from "node:url";

const major = Number(process.versions.node.split(".")[0]);
const minor = Number(process.versions.node.split(".")[1]);
if (major < 22 || (major === 22 && minor < 12)) {
  // An older system Node (e.g. when crabbox is called from outside the checkout): hand over to
  // the Node 22 that `npm install` brought along as a dependency, if it is there.
  const bundled = fileURLToPath(new URL("../node_modules/node/bin/node", import.meta.url));
  if (!existsSync(bundled) || process.env.CRABBOX_REEXEC === "1") {
    process.stderr.write(
      `crabbox: Node ${process.versions.node} is too old; Crabbox needs Node 22.12 or newer.\n` +
        "Run `npm install` in the Crabbox checkout (it brings Node 22), or install Node 22.\n",
    );
    process.exit(2);
  }
  const child = spawn(bundled, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: "inherit",
    env: { ...process.env, CRABBOX_REEXEC: "1" },
  });
  // A signal sent to this process alone (`kill`, a CI timeout, an agent stopping its tool) must
  // reach the real crabbox, which stops the remote command and releases the lease; this one
  // waits for that instead of dying first. A terminal's Ctrl-C reaches both processes, and
  // crabbox takes the same signal arriving twice at once as one.
  for (const name of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.on(name, () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(name);
    });
  }
  const [code, signal] = await once(child, "exit");
  process.exit(code ?? 128 + (signal ? (constants.signals[signal] ?? 1) : 1));
}

const { register } = await import("tsx/esm/api");
register();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
