import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/cli/config";
import type { Progress } from "../../../src/cli/output/progress";
import { type AcquireOptions, type ActiveTarget, acquire, type TargetSource } from "../../../src/cli/target";
import { targetSource } from "../../../src/cli/target/source";
import { isCrabboxError } from "../../../src/errors";
import { cloudProviderNames } from "../../../src/providers/names";
import { runCli, sandbox } from "../support";

const quiet: Progress = { phase() {}, bytes() {}, info() {}, warn() {}, done() {} };

function configFor(flags: { provider?: string; direct?: boolean }, env: Record<string, string> = {}) {
  const s = sandbox();
  return loadConfig({ env: { ...s.env, ...env }, cwd: s.cwd, flags });
}

const coordinator = { CRABBOX_COORDINATOR: "http://127.0.0.1:9", CRABBOX_COORDINATOR_TOKEN: "t" };

describe("targetSource picks where the machine comes from, from config and flags alone", () => {
  it("takes a static provider as the static host, even when --direct is given", () => {
    for (const provider of ["ssh", "static", "static-ssh"]) {
      expect(targetSource(configFor({ provider }))).toBe("static");
      expect(targetSource(configFor({ provider, direct: true }))).toBe("static");
    }
  });

  it("drives every cloud directly when no coordinator is configured", () => {
    for (const provider of cloudProviderNames) expect(targetSource(configFor({ provider }))).toBe("direct");
  });

  it("brokers a cloud through the configured coordinator unless --direct asks otherwise", () => {
    for (const provider of cloudProviderNames) {
      expect(targetSource(configFor({ provider }, coordinator))).toBe("brokered");
      expect(targetSource(configFor({ provider, direct: true }, coordinator))).toBe("direct");
    }
  });

  it("brokers local machines through the local stack when nothing is configured", () => {
    expect(targetSource(configFor({}))).toBe("brokered");
    expect(targetSource(configFor({ provider: "local" }, coordinator))).toBe("brokered");
  });

  it("refuses --direct for a provider that is not a cloud, naming --provider", () => {
    let error: unknown;
    try {
      targetSource(configFor({ provider: "local", direct: true }));
    } catch (e) {
      error = e;
    }
    expect(isCrabboxError(error) && error.code).toBe("usage");
    expect((error as Error).message).toMatch(/--provider hetzner, aws or azure/);
  });
});

describe("acquire() hands the options to the strategy of the chosen source", () => {
  const cases: [TargetSource, { provider?: string; direct?: boolean }, Record<string, string>][] = [
    ["static", { provider: "ssh" }, {}],
    ["direct", { provider: "aws" }, {}],
    ["brokered", { provider: "azure" }, coordinator],
    ["brokered", {}, {}],
  ];
  for (const [source, flags, env] of cases) {
    it(`uses the ${source} strategy for ${JSON.stringify(flags)}${env === coordinator ? " with a coordinator" : ""}`, async () => {
      const called: TargetSource[] = [];
      const seen: AcquireOptions[] = [];
      const fake = (name: TargetSource) => async (options: AcquireOptions) => {
        called.push(name);
        seen.push(options);
        return { acquired: name !== "static" } as ActiveTarget;
      };
      const options: AcquireOptions = {
        config: configFor(flags, env),
        env: {},
        signal: new AbortController().signal,
        progress: quiet,
        keep: false,
      };
      const target = await acquire(options, {
        static: fake("static"),
        direct: fake("direct"),
        brokered: fake("brokered"),
      });
      expect(called).toEqual([source]);
      expect(seen[0]).toBe(options);
      expect(target.acquired).toBe(source !== "static");
    });
  }

  it("rejects (never throws synchronously) when the flags contradict each other", async () => {
    const options: AcquireOptions = {
      config: configFor({ provider: "local", direct: true }),
      env: {},
      signal: new AbortController().signal,
      progress: quiet,
      keep: false,
    };
    const pending = acquire(options);
    await expect(pending).rejects.toMatchObject({ code: "usage" });
  });
});

describe("the real strategies, reached through `crabbox run`", () => {
  it("a static provider without static.host asks for it: the static host strategy ran", async () => {
    const s = sandbox();
    const r = await runCli(["run", "--no-sync", "--provider", "ssh", "--", "true"], {
      env: s.env,
      cwd: s.cwd,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/provider ssh needs static\.host/);
  });

  it("--direct with a coordinator configured asks for the cloud's credentials: the direct strategy ran", async () => {
    const s = sandbox();
    const r = await runCli(["run", "--no-sync", "--provider", "azure", "--direct", "--", "true"], {
      env: { ...s.env, ...coordinator },
      cwd: s.cwd,
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/direct mode on Azure needs AZURE_TENANT_ID/);
  });
});
