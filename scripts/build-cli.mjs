#!/usr/bin/env node
// Builds the CLI (src/cli/main.ts and everything it imports) into dist/cli as JavaScript, so
// `crabbox` starts without transpiling TypeScript (docs/cli.md, "Start-up"). Packages stay
// external and resolve from node_modules at run time; `await import(...)` of a heavy module
// becomes its own chunk, loaded only by the command that needs it.
// Run by `npm install` (the `prepare` script), `npm pack`, `npm test`, and by bin/crabbox.js
// once when dist/cli is missing.
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const outdir = `${root}dist/cli`;
const temp = `${outdir}.tmp-${process.pid}`;
const pkg = JSON.parse(readFileSync(`${root}package.json`, "utf8"));
// Clipanion (the argument parser every command needs, dozens of small CommonJS files) goes into
// the bundle; every other package is loaded from node_modules when a command imports it.
const bundled = ["clipanion"];
const external = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })
  .filter((name) => !bundled.includes(name))
  .flatMap((name) => [name, `${name}/*`]);
/** src/cli/commands/clipanion.ts loads Clipanion's CommonJS build for vitest; bundled, a plain import does. */
const clipanionImport = {
  name: "clipanion-import",
  setup(b) {
    b.onLoad({ filter: /src\/cli\/commands\/clipanion\.ts$/ }, () => ({
      contents: 'export { Builtins, Cli, Command, Option } from "clipanion";',
      loader: "ts",
    }));
  },
};

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
  external,
  plugins: [clipanionImport],
  // Bundled CommonJS (Clipanion) calls require() for Node built-ins; ES modules have none.
  banner: {
    js: 'import { createRequire as __crabboxRequire } from "node:module"; const require = __crabboxRequire(import.meta.url);',
  },
  chunkNames: "chunks/[name]-[hash]",
  logLevel: "warning",
});
writeFileSync(`${temp}/package.json`, '{ "type": "module" }\n');
// Swapped in whole, so a crabbox starting meanwhile never loads half an old and half a new build.
rmSync(outdir, { recursive: true, force: true });
renameSync(temp, outdir);
