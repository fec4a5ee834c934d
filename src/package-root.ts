import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The directory holding Crabbox's package.json. The same code runs from the TypeScript
 * sources (src/…) and from the built CLI (dist/cli/…, one bundle, see docs/cli.md), so paths to
 * files of the checkout (wrangler.toml, the stack daemon) start here, not at the importing file.
 */
export function packageRoot(from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from));
  for (;;) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "bin", "crabbox.js"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no Crabbox package.json above ${fileURLToPath(from)}`);
    dir = parent;
  }
}
