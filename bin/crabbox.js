#!/usr/bin/env node
// The crabbox command. Runs the TypeScript sources through tsx so the checkout works
// without a build step (`npx crabbox` here, or a global install from the checkout).
import { register } from "tsx/esm/api";

const major = Number(process.versions.node.split(".")[0]);
if (major < 22) {
  process.stderr.write(
    `crabbox: Node ${process.versions.node} is too old; Crabbox needs Node 22.12 or newer.\n` +
      "Run it through npm (npx crabbox …) in the checkout, which uses the Node 22 that npm install brought.\n",
  );
  process.exit(2);
}
register();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
