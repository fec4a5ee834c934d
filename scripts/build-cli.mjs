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
const bundled = ["clipanion", "zod", "yaml", "ignore", "tar-stream", "@xmldom/xmldom", "ulid"];
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

/**
 * `import { z } from "zod"` is one namespace of all of Zod 4 (~750 KB bundled with its 40-odd
 * locales, JSON Schema conversion and compiler), which every command would parse at start-up.
 * The CLI gets the same `z` minus those parts; English messages stay (schemas.js registers
 * them). A `z.<name>` the CLI uses that is missing here fails the build (esbuild's warning on
 * an undefined import is raised to an error below).
 */
const zodForCli = {
  name: "zod-for-cli",
  setup(b) {
    b.onResolve({ filter: /^zod$/ }, (args) =>
      args.importer.includes("/node_modules/") ? undefined : { path: "zod-cli", namespace: "zod-cli" },
    );
    b.onLoad({ filter: /.*/, namespace: "zod-cli" }, () => ({
      resolveDir: `${root}node_modules/zod/v4/classic`,
      contents: ['import * as z from "./zod-cli-external";', "export { z, z as default };"].join("\n"),
      loader: "js",
    }));
    b.onResolve({ filter: /^\.\/zod-cli-external$/ }, () => ({
      path: "external",
      namespace: "zod-cli-external",
    }));
    b.onLoad({ filter: /.*/, namespace: "zod-cli-external" }, () => ({
      resolveDir: `${root}node_modules/zod/v4/classic`,
      contents: [
        'export * from "./schemas.js";',
        'export * from "./checks.js";',
        'export * from "./errors.js";',
        'export * from "./parse.js";',
        'export * from "./compat.js";',
        'export { globalRegistry, registry, config, NEVER, util, treeifyError, prettifyError, formatError, flattenError } from "../core/index.js";',
        'export { input, output } from "./in-out.js";',
        'export * as iso from "./iso.js";',
        'export * as coerce from "./coerce.js";',
      ].join("\n"),
      loader: "js",
    }));
  },
};

rmSync(temp, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ["src/cli/main.ts", "src/cli/holder.ts"],
  outdir: temp,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node22.12",
  external,
  plugins: [clipanionImport, zodForCli],
  logOverride: { "import-is-undefined": "error" },
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
