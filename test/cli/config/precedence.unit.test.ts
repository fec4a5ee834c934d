import { statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig, readConfigFile, writeUserConfig } from "../../../src/cli/config";
import { isCrabboxError } from "../../../src/errors";
import { sandbox, write } from "../support";

describe("config precedence: flags > env > repo > user > defaults", () => {
  it("uses the defaults when nothing is configured, with local as the zero-config provider", () => {
    const s = sandbox();
    const config = loadConfig({ env: s.env, cwd: s.cwd });
    expect(config.provider).toBe("local");
    expect(config.providerExplicit).toBe(false);
    expect(config.class).toBe("beast");
    expect(config.ttlMs).toBe(90 * 60_000);
    expect(config.idleTimeoutMs).toBe(30 * 60_000);
    expect(config.env.allow).toEqual(["CI", "NODE_OPTIONS"]);
  });

  it("lets each layer override the one below it, field by field", () => {
    const s = sandbox();
    write(
      join(s.configDir, "config.yaml"),
      "class: standard\nttl: 2h\nidleTimeout: 10m\nprofile: mine\nprofiles:\n  mine: {}\n",
    );
    write(join(s.cwd, "crabbox.yaml"), "class: large\nttl: 3h\n");
    const env = { ...s.env, CRABBOX_TTL: "4h" };
    const config = loadConfig({ env, cwd: s.cwd, flags: { ttl: "5h" } });
    expect(config.class).toBe("large"); // repo over user
    expect(config.ttlMs).toBe(5 * 3_600_000); // flag over env over repo
    expect(config.idleTimeoutMs).toBe(10 * 60_000); // only the user file set it
    expect(loadConfig({ env, cwd: s.cwd }).ttlMs).toBe(4 * 3_600_000); // env over repo
    expect(loadConfig({ env: s.env, cwd: s.cwd }).ttlMs).toBe(3 * 3_600_000); // repo over user
  });

  it("appends sync excludes from every layer and replaces the env allowlist", () => {
    const s = sandbox();
    write(join(s.configDir, "config.yaml"), "sync:\n  exclude: [user-junk]\nenv:\n  allow: [A]\n");
    write(join(s.cwd, ".crabbox.yaml"), "sync:\n  exclude: [repo-junk]\nenv:\n  allow: [B, C_*]\n");
    const config = loadConfig({ env: s.env, cwd: s.cwd });
    expect(config.sync.exclude).toEqual(["user-junk", "repo-junk"]);
    expect(config.env.allow).toEqual(["B", "C_*"]);
  });

  it("applies a named profile over the files and under env and flags", () => {
    const s = sandbox();
    write(join(s.cwd, "crabbox.yaml"), "class: standard\nprofiles:\n  big:\n    class: beast\n    ttl: 6h\n");
    expect(loadConfig({ env: s.env, cwd: s.cwd }).class).toBe("standard");
    const big = loadConfig({ env: { ...s.env, CRABBOX_PROFILE: "big" }, cwd: s.cwd });
    expect(big.class).toBe("beast");
    expect(big.ttlMs).toBe(6 * 3_600_000);
    expect(
      loadConfig({ env: { ...s.env, CRABBOX_PROFILE: "big" }, cwd: s.cwd, flags: { class: "fast" } }).class,
    ).toBe("fast");
  });

  it("refuses an unknown profile and names the known ones", () => {
    const s = sandbox();
    write(join(s.cwd, "crabbox.yaml"), "profiles:\n  big:\n    class: beast\n");
    expect(() => loadConfig({ env: s.env, cwd: s.cwd, flags: { profile: "huge" } })).toThrow(
      /huge.*known profiles: big/,
    );
  });

  it("resolves a class from the classes map into a server type", () => {
    const s = sandbox();
    write(join(s.cwd, "crabbox.yaml"), "class: gpu\nclasses:\n  gpu: [g5.xlarge, g4dn.xlarge]\n");
    const config = loadConfig({ env: s.env, cwd: s.cwd });
    expect(config.serverType).toBe("g5.xlarge");
    expect(config.serverTypeExplicit).toBe(false);
  });

  it("finds the repo config at the git root from a subdirectory", () => {
    const s = sandbox();
    write(join(s.cwd, "crabbox.yaml"), "class: fast\n");
    write(join(s.cwd, "pkg", "a", "file.txt"), "x");
    expect(loadConfig({ env: s.env, cwd: join(s.cwd, "pkg", "a") }).class).toBe("fast");
  });
});

describe("config validation", () => {
  function configError(fn: () => unknown): { code: string; message: string } {
    try {
      fn();
    } catch (error) {
      if (isCrabboxError(error)) return { code: error.code, message: error.message };
      throw error;
    }
    throw new Error("expected a config error");
  }

  it("refuses a token in the repo config and says where tokens go", () => {
    const s = sandbox();
    write(join(s.cwd, "crabbox.yaml"), "profiles:\n  ci:\n    broker:\n      token: sekrit\n");
    const e = configError(() => loadConfig({ env: s.env, cwd: s.cwd }));
    expect(e.code).toBe("config");
    expect(e.message).toMatch(/profiles\.ci\.broker\.token/);
    expect(e.message).toMatch(/crabbox login/);
    expect(e.message).not.toContain("sekrit");
  });

  it("refuses a broker URL in the repo config, which would redirect the user's token", () => {
    const s = sandbox();
    write(join(s.cwd, "crabbox.yaml"), "broker:\n  url: https://evil.example\n");
    expect(configError(() => loadConfig({ env: s.env, cwd: s.cwd })).message).toMatch(/per-user/);
  });

  it("names the field of a typo and of a bad value", () => {
    const s = sandbox();
    write(join(s.cwd, "crabbox.yaml"), "idleTimout: 10m\n");
    expect(configError(() => loadConfig({ env: s.env, cwd: s.cwd })).message).toMatch(
      /unknown key idleTimout/,
    );
    write(join(s.cwd, "crabbox.yaml"), "ttl: soon\n");
    expect(configError(() => loadConfig({ env: s.env, cwd: s.cwd })).message).toMatch(
      /^ttl: "soon" is not a duration/,
    );
    write(join(s.cwd, "crabbox.yaml"), "ssh:\n  port: 70000\n");
    expect(configError(() => loadConfig({ env: s.env, cwd: s.cwd })).message).toMatch(/ssh\.port/);
  });

  it("reports a YAML syntax error with the file path", () => {
    const s = sandbox();
    write(join(s.cwd, "crabbox.yaml"), "class: [unclosed\n");
    expect(configError(() => loadConfig({ env: s.env, cwd: s.cwd })).message).toContain(
      join(s.cwd, "crabbox.yaml"),
    );
  });
});

describe("writeUserConfig", () => {
  it("merges a patch into the user file with mode 0600, and null removes a key", () => {
    const s = sandbox();
    write(join(s.configDir, "config.yaml"), "class: fast\nbroker:\n  url: http://127.0.0.1:1\n");
    const path = writeUserConfig({ broker: { token: "t0k", provider: "local" } }, s.env);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readConfigFile(path)).toEqual({
      class: "fast",
      broker: { url: "http://127.0.0.1:1", token: "t0k", provider: "local" },
    });
    writeUserConfig({ broker: { token: null } }, s.env);
    expect(readConfigFile(path).broker).toEqual({ url: "http://127.0.0.1:1", provider: "local" });
    expect(loadConfig({ env: s.env, cwd: s.cwd }).broker.url).toBe("http://127.0.0.1:1");
  });
});
