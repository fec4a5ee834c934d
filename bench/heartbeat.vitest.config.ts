import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// The heartbeat benchmark runs as an ordinary test file inside workerd (vitest's `bench` mode
// does not run in the workers pool), outside `npm test`: `npm run bench:heartbeat`.
const root = fileURLToPath(new URL("..", import.meta.url));

export default defineConfig({
  root,
  plugins: [cloudflareTest({ wrangler: { configPath: "./bench/wrangler.bench.toml" } })],
  test: { include: [process.env.BENCH_FILE ?? "bench/heartbeat.bench.ts"], testTimeout: 300_000 },
});
