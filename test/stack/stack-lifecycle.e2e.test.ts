import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { isCrabboxError } from "../../src/errors";
import { ensureLocalStack, localStackStatus, runStack, stopLocalStack } from "../../src/stack";
import { processAlive, readStackInfo } from "../../src/stack/stack-file";
import { freePort, isolatedEnv } from "./support";

describe("the local stack in the background", () => {
  let ctx: Awaited<ReturnType<typeof isolatedEnv>>;

  beforeAll(async () => {
    ctx = await isolatedEnv();
  });

  afterAll(async () => {
    await stopLocalStack(ctx.env);
    await ctx.cleanup();
  });

  it("starts once, is reused by the next command, shows in status, writes the user config, and stops", async () => {
    const first = await ensureLocalStack({ env: ctx.env });
    expect(first.url).toBe(`http://127.0.0.1:${ctx.port}`);
    const info = await readStackInfo(join(ctx.env.CRABBOX_STATE_DIR as string, "stack.json"));
    expect(info && processAlive(info.pid)).toBe(true);

    const second = await ensureLocalStack({ env: ctx.env });
    expect(second).toEqual(first);
    expect((await readStackInfo(join(ctx.env.CRABBOX_STATE_DIR as string, "stack.json")))?.pid).toBe(
      info?.pid,
    );

    const health = await fetch(`${first.url}/v1/health`);
    expect(health.status).toBe(200);
    const whoami = await fetch(`${first.url}/v1/whoami`, {
      headers: { authorization: `Bearer ${first.token}` },
    });
    expect(whoami.status).toBe(200);

    const config = parse(readFileSync(join(ctx.env.CRABBOX_CONFIG_DIR as string, "config.yaml"), "utf8"));
    expect(config.broker.url).toBe(first.url);
    expect(config.broker.token).toBe(first.token);

    const status = await localStackStatus(ctx.env);
    expect(status).toMatchObject({ running: true, healthy: true, machines: [] });

    const stopped = await stopLocalStack(ctx.env);
    expect(stopped).toMatchObject({ stopped: true, pid: info?.pid, forced: false });
    expect(processAlive(info?.pid as number)).toBe(false);
    expect(await localStackStatus(ctx.env)).toMatchObject({ running: false });
    expect(
      await fetch(`${first.url}/v1/health`).then(
        () => "answered",
        () => "refused",
      ),
    ).toBe("refused");
  });
});

describe("starting the stack in the foreground", () => {
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

  it("uses the tokens from the environment when they are set", async () => {
    const ctx = await isolatedEnv({
      CRABBOX_SHARED_TOKEN: "shared-from-env",
      CRABBOX_ADMIN_TOKEN: "admin-from-env",
    });
    ctx.env.CRABBOX_PORT = String(await freePort());
    const stack = await runStack({ env: ctx.env });
    try {
      const url = stack.info.url;
      const asShared = await fetch(`${url}/v1/whoami`, {
        headers: { authorization: "Bearer shared-from-env" },
      });
      const sharedBody = await asShared.text();
      expect(sharedBody, sharedBody).toContain('"kind":"shared"');
      const asAdmin = await fetch(`${url}/v1/whoami`, {
        headers: { authorization: "Bearer admin-from-env" },
      });
      expect(((await asAdmin.json()) as { admin?: boolean }).admin).toBe(true);
      const stranger = await fetch(`${url}/v1/whoami`, { headers: { authorization: "Bearer nope" } });
      expect(stranger.status).toBe(401);
    } finally {
      await stack.stop();
      await ctx.cleanup();
    }
  });
});
