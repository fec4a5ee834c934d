import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Three layers under one `npm test`:
//  - unit:    pure logic in plain Node (deciders, catalogue, config, sync manifests)
//  - workerd: the Worker and the Fleet Durable Object in real workerd with real DO SQLite
//  - e2e:     the whole stack (coordinator in workerd + local machines + CLI) from Node
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/**/*.unit.test.ts", "test/property/**/*.prop.test.ts"],
          // `*.int.prop.test.ts` also ends in `.prop.test.ts`: those run in workerd only.
          exclude: ["**/node_modules/**", "test/property/**/*.int.prop.test.ts"],
          environment: "node",
        },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: { bindings: { CRABBOX_TEST_MODE: "1" } },
          }),
        ],
        test: {
          name: "workerd",
          include: ["test/**/*.int.test.ts", "test/property/**/*.int.prop.test.ts"],
          benchmark: { include: ["bench/**/*.bench.ts"] },
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/**/*.e2e.test.ts"],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
