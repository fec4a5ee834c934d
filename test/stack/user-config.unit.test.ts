import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { pointUserConfigAtStack } from "../../src/stack/user-config";

describe("pointing the user config at the local stack", () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const stack = { url: "http://127.0.0.1:8787", token: "shared-token", adminToken: "admin-token" };
  const read = () => parse(readFileSync(join(dir, "config.yaml"), "utf8"));

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "crabbox-config-"));
    env = { CRABBOX_CONFIG_DIR: dir, HOME: dir };
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("writes broker url and tokens into a fresh config, readable only by the user", () => {
    const outcome = pointUserConfigAtStack(stack, env);
    expect(outcome).toEqual({ written: true, path: join(dir, "config.yaml") });
    expect(read().broker).toEqual({ url: stack.url, token: "shared-token", adminToken: "admin-token" });
  });

  it("replaces an earlier local stack's URL but keeps the rest of the file", () => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, "config.yaml"),
      "class: standard\nbroker:\n  url: http://127.0.0.1:9999\n  token: old\n",
    );
    pointUserConfigAtStack(stack, env);
    expect(read()).toMatchObject({ class: "standard", broker: { url: stack.url, token: "shared-token" } });
  });

  it("never overwrites a coordinator the user configured elsewhere", () => {
    mkdirSync(dir, { recursive: true });
    const remote = "broker:\n  url: https://crabbox.example.com\n  token: theirs\n";
    writeFileSync(join(dir, "config.yaml"), remote);
    const outcome = pointUserConfigAtStack(stack, env);
    expect(outcome).toMatchObject({ written: false, configuredUrl: "https://crabbox.example.com" });
    expect(readFileSync(join(dir, "config.yaml"), "utf8")).toBe(remote);
  });
});
