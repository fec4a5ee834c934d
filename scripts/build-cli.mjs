#!/usr/bin/env node
// Builds the CLI (src/cli/main.ts and everything it imports) into dist/cli as JavaScript, so
// `crabbox` starts without transpiling TypeScript (docs/cli.md, "Start-up"). Packages stay
// external and resolve from node_modules at run time; `await import(...)` of a heavy module
// becomes its own chunk, loaded only by the command that needs it.
// Run by `npm install` (the `prepare` script), `npm pack`, `npm test`, and by bin/crabbox.js
// once when dist/cli is missing.
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const outdir = `${root}dist/cli`;
const temp = `${outdir}.tmp-${process.pid}`;

rmSync(temp, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ["src/cli/main.ts"],
  outdir: temp,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node22.12",
  packages: "external",
  chunkNames: "chunks/[name]-[hash]",
  logLevel: "warning",
});
writeFileSync(`${temp}/package.json`, '{ "type": "module" }\n');
// Swapped in whole, so a crabbox starting meanwhile never loads half an old and half a new build.
rmSync(outdir, { recursive: true, force: true });
renameSync(temp, outdir);
