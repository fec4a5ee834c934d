/**
 * The deployable Worker bundle stays far inside Cloudflare's limit: `wrangler deploy --dry-run`
 * (what `npm run build` runs) bundles it, and every module it would upload, gzipped, must
 * total under 3 MiB.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { afterAll, expect, it } from "vitest";

const run = promisify(execFile);
const limitBytes = 3 * 1024 * 1024;
let outdir = "";

afterAll(async () => {
  if (outdir) await rm(outdir, { recursive: true, force: true });
});

it("bundles the Worker with wrangler into less than 3 MiB gzipped", async () => {
  outdir = await mkdtemp(join(tmpdir(), "crabbox-bundle-"));
  const wrangler = join(process.cwd(), "node_modules", "wrangler", "bin", "wrangler.js");
  await run(process.execPath, [wrangler, "deploy", "--dry-run", "--outdir", outdir], {
    cwd: process.cwd(),
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_LOG: "warn", CI: "true" },
    timeout: 110_000,
  });
  const modules = (await readdir(outdir)).filter((name) => /\.(js|mjs|sql|wasm|txt|bin)$/.test(name));
  expect(modules).toContain("index.js");
  let gzipped = 0;
  for (const name of modules)
    gzipped += gzipSync(await readFile(join(outdir, name)), { level: 9 }).byteLength;
  console.log(`worker bundle: ${modules.length} modules, ${(gzipped / 1024).toFixed(1)} KiB gzipped`);
  expect(gzipped).toBeGreaterThan(10 * 1024);
  expect(gzipped).toBeLessThan(limitBytes);
});
