#!/usr/bin/env node
// `npm run bench:startup`: crabbox's process start-up (`crabbox --version`, the built CLI)
// against a bare `node -e 0`, alternating so both see the same machine load; medians, the ratio,
// and whether the target of docs/cli.md ("Start-up": at most 1.5x node -e 0) is met. It is the
// start-up part of issue 12's inner-loop benchmark; the warm-run parts are not built yet.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const bin = fileURLToPath(new URL("../bin/crabbox.js", import.meta.url));
const rounds = Number(process.env.ROUNDS ?? 21);
const target = 1.5;

function timeOnce(args) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  if (result.status !== 0) throw new Error(`node ${args.join(" ")} exited ${result.status}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

timeOnce([bin, "--version"]); // warm the file cache; dist/cli exists after this
const node = [];
const crabbox = [];
for (let i = 0; i < rounds; i++) {
  node.push(timeOnce(["-e", "0"]));
  crabbox.push(timeOnce([bin, "--version"]));
}
const ratio = median(crabbox) / median(node);
console.log(`node -e 0           median ${median(node).toFixed(0)} ms (${rounds} runs)`);
console.log(`crabbox --version   median ${median(crabbox).toFixed(0)} ms (${rounds} runs)`);
console.log(`ratio ${ratio.toFixed(2)}x, target <= ${target}x: ${ratio <= target ? "met" : "NOT met"}`);
