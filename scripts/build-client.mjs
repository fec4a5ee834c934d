#!/usr/bin/env node
// Builds the public client (`import { createClient } from "crabbox"`, docs/api.md "Typed
// client") into dist/client: src/client/index.ts and what it imports as one ES module for
// Node 22 and other modern runtimes (zod stays a dependency, loaded from node_modules), and
// with `--types` its type declarations under dist/client/types (tsconfig.client.json).
// Run by `npm run build`, `npm install` (the `prepare` script) and the e2e global set-up.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const outdir = `${root}dist/client`;
const temp = `${outdir}.tmp-${process.pid}`;

/**
 * tsc keeps the sources' extensionless relative imports; a consumer resolving like Node
 * (`moduleResolution: "node16"`) needs `./x.js` or `./x/index.js`, so the declarations get them.
 */
function withExtensions(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".d.ts")) continue;
    const file = join(entry.parentPath, entry.name);
    const text = readFileSync(file, "utf8").replace(
      /(from\s+|import\()"(\.{1,2}\/[^"]*)"/g,
      (all, lead, spec) => {
        const base = join(dirname(file), spec);
        if (existsSync(`${base}.d.ts`)) return `${lead}"${spec}.js"`;
        if (existsSync(join(base, "index.d.ts"))) return `${lead}"${spec}/index.js"`;
        return all;
      },
    );
    writeFileSync(file, text);
  }
}

rmSync(temp, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ["src/client/index.ts"],
  outfile: `${temp}/index.js`,
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2023",
  packages: "external",
  logLevel: "warning",
});
writeFileSync(`${temp}/package.json`, '{ "type": "module" }\n');
if (process.argv.includes("--types")) {
  const tsc = spawnSync(
    process.execPath,
    [`${root}node_modules/typescript/bin/tsc`, "-p", "tsconfig.client.json", "--outDir", `${temp}/types`],
    { cwd: root, stdio: "inherit" },
  );
  if (tsc.status !== 0) {
    rmSync(temp, { recursive: true, force: true });
    throw new Error(`the client's type declarations failed (tsc exit ${tsc.status})`);
  }
  withExtensions(`${temp}/types`);
}
// Swapped in whole, so an importer never loads half an old and half a new build.
rmSync(outdir, { recursive: true, force: true });
renameSync(temp, outdir);
