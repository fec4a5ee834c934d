#!/usr/bin/env node
// The crabbox command. Loads the CLI built to JavaScript (dist/cli, by scripts/build-cli.mjs at
// `npm install`/`npm pack`): transpiling the TypeScript at every start cost most of a second
// (docs/cli.md, "Start-up"). CRABBOX_FROM_SOURCE=1 runs the sources through tsx instead.
// Only node:fs and node:url load on the common path; the rest is imported where it is needed.
import { existsSync } from "node:fs";
import module from "node:module";
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
  const [{ spawn }, { once }, { constants }] = await Promise.all([
    import("node:child_process"),
    import("node:events"),
    import("node:os"),
  ]);
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

enableCompileCacheIn(process.env);
const { main } = await loadMain();
process.exitCode = await main(process.argv.slice(2));

/**
 * V8's compile cache (Node 22.1+): the built CLI's code is compiled once and the bytecode reused
 * by later starts, which saves most of the parse and compile time of the run command's graph
 * (docs/cli.md, "Start-up"). Kept per user in crabbox's cache directory, never in a shared /tmp
 * directory; `CRABBOX_COMPILE_CACHE=0` turns it off. Node ignores a cache it cannot use.
 */
function enableCompileCacheIn(env) {
  if (env.CRABBOX_COMPILE_CACHE === "0" || !module.enableCompileCache) return;
  const home = env.HOME || env.USERPROFILE;
  const cache =
    env.CRABBOX_CACHE_DIR ||
    (env.XDG_CACHE_HOME ? `${env.XDG_CACHE_HOME}/crabbox` : home && `${home}/.cache/crabbox`);
  if (cache) module.enableCompileCache(`${cache}/compile-cache`);
}

async function loadMain() {
  if (process.env.CRABBOX_FROM_SOURCE === "1") {
    const { register } = await import("tsx/esm/api");
    register();
    return import("../src/cli/main.ts");
  }
  const built = new URL("../dist/cli/main.js", import.meta.url);
  if (!existsSync(fileURLToPath(built))) {
    // A checkout installed with --ignore-scripts (or dist/ removed): build once, then go on.
    const script = fileURLToPath(new URL("../scripts/build-cli.mjs", import.meta.url));
    const built =
      existsSync(script) &&
      (await import("node:child_process")).spawnSync(process.execPath, [script], { stdio: "inherit" })
        .status === 0;
    if (!built) {
      process.stderr.write(
        "crabbox: the CLI is not built (dist/cli/main.js missing); run `npm run build:cli`\n",
      );
      process.exit(2);
    }
  }
  return import(built.href);
}
