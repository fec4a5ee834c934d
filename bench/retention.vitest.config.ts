import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// The retention benchmark runs inside workerd with miniflare's R2, outside `npm test`:
// `npm run bench:retention` (docs/event-log.md#retention-benchmark).
const root = fileURLToPath(new URL("..", import.meta.url));

export default defineConfig({
  root,
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      // The simulation's size and seed, from the shell (BENCH_FLEET=200 npm run bench:retention).
      miniflare: {
        bindings: {
          BENCH_FLEET: process.env.BENCH_FLEET ?? "4",
          BENCH_DAYS: process.env.BENCH_DAYS ?? "30",
          BENCH_SEED: process.env.BENCH_SEED ?? "16",
        },
      },
    }),
  ],
  test: {
    include: ["bench/retention.bench.ts"],
    testTimeout: 3_600_000,
  },
});
