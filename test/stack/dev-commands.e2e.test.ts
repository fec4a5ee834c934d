import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { parse } from "yaml";
import { Cli } from "../../src/cli/commands/clipanion";
import type { CrabboxContext } from "../../src/cli/commands/context";
import { devCommands } from "../../src/cli/commands/dev";
import { ensureLocalStack, runStack, stopLocalStack } from "../../src/stack";
import { processAlive, readStackInfo } from "../../src/stack/stack-file";
import { isolatedEnv } from "./support";

function capture() {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk: Buffer) => {
    text += chunk.toString();
  });
  return { stream, text: () => text };
}

/** Runs `crabbox <argv>` with only the dev commands registered, as main() would. */
function runDev(argv: string[], env: NodeJS.ProcessEnv, signal = new AbortController().signal) {
  const cli = new Cli<CrabboxContext>({ binaryName: "crabbox" });
  for (const command of devCommands) cli.register(command);
  const stdout = capture();
  const stderr = capture();
  const done = cli.run(argv, {
    stdin: new PassThrough(),
    stdout: stdout.stream,
    stderr: stderr.stream,
    env,
    colorDepth: 1,
    cwd: process.cwd(),
    signal,
  });
  return { done, stdout: stdout.text, stderr: stderr.text };
}

async function until(
  what: string,
  timeoutMs: number,
  probe: () => boolean | Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("crabbox dev, dev status and dev stop", () => {
  let ctx: Awaited<ReturnType<typeof isolatedEnv>>;

  beforeAll(async () => {
    ctx = await isolatedEnv();
  });

  afterAll(async () => {
    await stopLocalStack(ctx.env);
    await ctx.cleanup();
  });

  it("dev runs the stack in the foreground on --port with the environment's tokens, says where it listens, and stops cleanly when interrupted", async () => {
    const interrupt = new AbortController();
    const env = {
      ...ctx.env,
      CRABBOX_PORT: "1",
      CRABBOX_SHARED_TOKEN: "shared-from-env",
      CRABBOX_ADMIN_TOKEN: "admin-from-env",
    };
    const dev = runDev(["dev", "--port", String(ctx.port)], env, interrupt.signal);
    await until("the stack to announce itself", 60_000, () => dev.stderr().includes("press Ctrl-C to stop"));
    const url = `http://127.0.0.1:${ctx.port}`;
    expect(dev.stderr()).toContain(`coordinator listening on ${url}`);
    expect(dev.stderr()).toMatch(/machine host on http:\/\/127\.0\.0\.1:\d+/);
    expect((await fetch(`${url}/v1/health`)).status).toBe(200);
    const whoami = async (token: string) => {
      const response = await fetch(`${url}/v1/whoami`, { headers: { authorization: `Bearer ${token}` } });
      return { status: response.status, body: (await response.json()) as { kind?: string; admin?: boolean } };
    };
    expect((await whoami("shared-from-env")).body.kind).toBe("shared");
    expect((await whoami("admin-from-env")).body.admin).toBe(true);
    expect((await whoami("nope")).status).toBe(401);

    interrupt.abort();
    expect(await dev.done).toBe(0);
    expect(dev.stderr()).toContain("stopped");
    const after = await fetch(`http://127.0.0.1:${ctx.port}/v1/health`).then(
      () => "answered",
      () => "refused",
    );
    expect(after).toBe("refused");
  });

  it("dev stopped by SIGTERM says it stops the local stack (no lease to release) and exits 0", async () => {
    const bin = fileURLToPath(new URL("../../bin/crabbox.js", import.meta.url));
    const child = spawn(process.execPath, [bin, "dev", "--port", String(ctx.port)], {
      env: ctx.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on("data", () => {});
    await until("the stack to announce itself", 120_000, () => stderr.includes("press Ctrl-C to stop"));
    child.kill("SIGTERM");
    const [code] = await once(child, "exit");
    expect(stderr).toMatch(/SIGTERM received; stopping the local stack \(again to force\)/);
    expect(stderr).not.toMatch(/releasing|remote command/);
    // Stopping is how `dev` ends: a clean stop is a success (as with Ctrl-C above).
    expect(code, stderr).toBe(0);
  });

  it("a background stack starts once even when raced, is reused, points the user config at itself, shows in dev status and stops with dev stop", async () => {
    const stopped = runDev(["dev", "status"], ctx.env);
    expect(await stopped.done).toBe(1);
    expect(stopped.stdout()).toContain("local stack: not running");

    // Three commands at once: one starts the stack, the others end up using it.
    const [first, ...racers] = await Promise.all([1, 2, 3].map(() => ensureLocalStack({ env: ctx.env })));
    if (!first) throw new Error("no stack");
    for (const racer of racers) expect(racer).toEqual(first);
    const { url } = first;
    expect(url).toBe(`http://127.0.0.1:${ctx.port}`);
    const info = await readStackInfo(join(ctx.env.CRABBOX_STATE_DIR as string, "stack.json"));
    expect(info && processAlive(info.pid)).toBe(true);
    expect(await ensureLocalStack({ env: ctx.env })).toEqual(first);
    expect((await readStackInfo(join(ctx.env.CRABBOX_STATE_DIR as string, "stack.json")))?.pid).toBe(
      info?.pid,
    );
    const config = parse(readFileSync(join(ctx.env.CRABBOX_CONFIG_DIR as string, "config.yaml"), "utf8"));
    expect(config.broker).toMatchObject({ url, token: first.token });

    const running = runDev(["dev", "status"], ctx.env);
    expect(await running.done).toBe(0);
    expect(running.stdout()).toContain(`coordinator: ${url} (healthy)`);
    expect(running.stdout()).toContain("machines: 0");

    const json = runDev(["dev", "status", "--json"], ctx.env);
    expect(await json.done).toBe(0);
    const parsed = JSON.parse(json.stdout());
    expect(parsed).toMatchObject({ running: true, healthy: true, stack: { url } });
    expect(json.stdout()).not.toMatch(/cbxshared_|cbxadmin_|cbxhost_/);

    const stop = runDev(["dev", "stop"], ctx.env);
    expect(await stop.done).toBe(0);
    expect(stop.stdout()).toMatch(/local stack: stopped pid \d+/);
    expect(stop.stdout()).not.toContain("ignored SIGTERM");
    expect(processAlive(info?.pid as number)).toBe(false);
    expect(
      await fetch(`${url}/v1/health`).then(
        () => "answered",
        () => "refused",
      ),
    ).toBe("refused");
    const again = runDev(["dev", "stop"], ctx.env);
    expect(await again.done).toBe(0);
    expect(again.stdout()).toContain("local stack: not running");
  });

  it("dev portal prints a one-time link that signs a browser into the local portal as admin, once", async () => {
    // In this process, as `crabbox dev` runs it: the stack file names a live pid and a healthy URL.
    const stack = await runStack({ env: ctx.env, writeUserConfig: false });
    onTestFinished(() => stack.stop());
    const { url } = stack.info;
    const printed = runDev(["dev", "portal", "--json"], ctx.env);
    expect(await printed.done, printed.stderr() + printed.stdout()).toBe(0);
    const link = JSON.parse(printed.stdout()) as { url: string; expiresAt: string };
    expect(link.url.startsWith(`${url}/portal/local-login?code=local_`)).toBe(true);
    expect(printed.stdout()).not.toMatch(/cbxadmin_|cbxshared_/);

    const opened = await fetch(link.url, { redirect: "manual" });
    expect(opened.status).toBe(302);
    const cookie = (opened.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    expect(cookie).toMatch(/^__Host-crabbox_session=cbxs_/);
    const admin = await fetch(`${url}/portal/admin/leases`, { headers: { cookie }, redirect: "manual" });
    expect(admin.status).toBe(200);

    const reused = await fetch(link.url, { redirect: "manual" });
    expect(reused.status).toBe(400);
    expect(reused.headers.get("set-cookie")).toBeNull();
  });
});
