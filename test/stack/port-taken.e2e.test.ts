import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { isCrabboxError } from "../../src/errors";
import { runStack } from "../../src/stack";
import { startCoordinator } from "../../src/stack/coordinator";
import { isolatedEnv } from "./support";

describe("starting the stack", () => {
  it("refuses clearly, naming the port, when the port is taken (exit code 2)", async () => {
    const ctx = await isolatedEnv();
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(ctx.port, "127.0.0.1", () => resolve()));
    try {
      const error = await runStack({ env: ctx.env }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isCrabboxError(error) && error.exitCode).toBe(2);
      expect((error as Error).message).toContain(`port ${ctx.port}`);
    } finally {
      squatter.close();
      await ctx.cleanup();
    }
  });

  it("gives up with a clear error, instead of waiting forever, when workerd cannot bind its port", async () => {
    const ctx = await isolatedEnv();
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(ctx.port, "127.0.0.1", () => resolve()));
    try {
      const started = Date.now();
      const error = await startCoordinator({
        port: ctx.port,
        persistDir: `${ctx.root}/coordinator`,
        vars: {},
        startTimeoutMs: 4000,
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isCrabboxError(error) && error.code).toBe("timeout");
      expect((error as Error).message).toContain(`127.0.0.1:${ctx.port}`);
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      squatter.close();
      await ctx.cleanup();
    }
  });
});
