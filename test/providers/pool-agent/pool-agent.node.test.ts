import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createConnection } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { PoolAgentConfig } from "../../../src/providers/pool-agent/agent-script";
import { PoolAgentClient } from "../../../src/providers/pool-agent/client";
import { freePort } from "../../support/free-port";
import { nodeConnect } from "../../support/node-socket";
import { type RunningAgent, runPythonAgent } from "../../support/python-pool-agent";

// The REAL agent script runs under python3 (test/support/python-pool-agent.ts); the
// coordinator's client reaches it over TCP.

const secret = "fleet-secret-for-tests";
const machine = "01JPOOLAGENTTESTMACHINE0001";
const throwAway = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIThrowAwayThrowAwayThrowAwayThrowAway0 crabbox-pool";
const leaseKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILeaseKeyLeaseKeyLeaseKeyLeaseKeyLease0 alice@laptop";
const otherKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherKeyOtherKeyOtherKeyOtherKeyOther0 mallory";

let dir: string;
let port: number;
let config: PoolAgentConfig;
let agent: RunningAgent | undefined;
let exited: Promise<number | null>;

async function startAgent(): Promise<"listening" | "exited"> {
  agent = await runPythonAgent(dir, config);
  exited = agent.exited;
  return agent.started;
}

function client(overrides: { secret?: string; now?: () => number } = {}) {
  return new PoolAgentClient({ connect: nodeConnect, secret, port, timeoutMs: 3_000, ...overrides });
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "crabbox-pool-agent-"));
  port = await freePort();
  config = {
    bind: "127.0.0.1",
    port,
    token: (await client().machineAgent(machine)).token,
    authorizedKeysPath: join(dir, "home", ".ssh", "authorized_keys"),
    user: userInfo().username,
    readyMarker: join(dir, "bootstrapped"),
    // Its directory does not exist yet: the agent starts before the bootstrap makes it.
    doneMarker: join(dir, "state", "handed-over"),
    afterHandOver: ["touch", join(dir, "unit-disabled")],
  };
});

afterEach(async () => {
  await agent?.stop();
  agent = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function seedThrowAwayKey() {
  await mkdir(join(dir, "home", ".ssh"), { recursive: true });
  await writeFile(config.authorizedKeysPath, `${throwAway}\n`);
}

describe("the pool agent and the coordinator's client", () => {
  it("reports not ready while nothing listens, not ready before the marker and ready after it", async () => {
    expect(await client().isReady("127.0.0.1", machine)).toBe(false);
    expect(await startAgent()).toBe("listening");
    expect(await client().isReady("127.0.0.1", machine)).toBe(false);
    await writeFile(config.readyMarker, "");
    expect(await client().isReady("127.0.0.1", machine)).toBe(true);
  });

  it("replaces the throw-away key with the lease's key, then disables itself and closes its port", async () => {
    await seedThrowAwayKey();
    await writeFile(config.readyMarker, "");
    expect(await startAgent()).toBe("listening");
    await client().authorizeKey("127.0.0.1", machine, leaseKey);
    expect(await readFile(config.authorizedKeysPath, "utf8")).toBe(`${leaseKey}\n`);
    expect((await stat(config.authorizedKeysPath)).mode & 0o777).toBe(0o600);
    expect(await exited).toBe(0);
    await expect(stat(join(dir, "unit-disabled"))).resolves.toBeTruthy();
    // The port is closed: a second hand-over (a replay of the first, or anyone's) reaches nothing.
    expect(await client().isReady("127.0.0.1", machine)).toBe(false);
    await expect(client().authorizeKey("127.0.0.1", machine, otherKey)).rejects.toThrow(/pool agent/);
    expect(await readFile(config.authorizedKeysPath, "utf8")).toBe(`${leaseKey}\n`);
  });

  it("refuses a second hand-over even when it is restarted after the first", async () => {
    await seedThrowAwayKey();
    expect(await startAgent()).toBe("listening");
    await client().authorizeKey("127.0.0.1", machine, leaseKey);
    await exited;
    expect(await startAgent()).toBe("exited");
    expect(await exited).toBe(0);
    expect(await readFile(config.authorizedKeysPath, "utf8")).toBe(`${leaseKey}\n`);
  });

  it("hands over to exactly one of two concurrent hand-overs", async () => {
    await seedThrowAwayKey();
    expect(await startAgent()).toBe("listening");
    const results = await Promise.allSettled([
      client().authorizeKey("127.0.0.1", machine, leaseKey),
      client().authorizeKey("127.0.0.1", machine, otherKey),
    ]);
    const won = results.flatMap((r, i) => (r.status === "fulfilled" ? [[leaseKey, otherKey][i]] : []));
    expect(won).toHaveLength(1);
    expect(await readFile(config.authorizedKeysPath, "utf8")).toBe(`${won[0]}\n`);
  });

  it("refuses a request signed with another secret, and keeps the token out of the error", async () => {
    await seedThrowAwayKey();
    expect(await startAgent()).toBe("listening");
    const wrong = client({ secret: "not-the-fleet-secret" });
    const error = await wrong.isReady("127.0.0.1", machine).catch((e: Error) => e);
    expect(String(error)).toMatch(/pool agent GET \/ready failed: answered 401 bad_signature/);
    await expect(wrong.authorizeKey("127.0.0.1", machine, otherKey)).rejects.toThrow(/401 bad_signature/);
    // Another machine's token does not open this one either.
    await expect(client().authorizeKey("127.0.0.1", "01JANOTHERMACHINE000000000", otherKey)).rejects.toThrow(
      /401/,
    );
    expect(String(error)).not.toContain(config.token);
    expect(await readFile(config.authorizedKeysPath, "utf8")).toBe(`${throwAway}\n`);
  });

  it("refuses a timestamp more than 120 s away from its clock", async () => {
    await seedThrowAwayKey();
    expect(await startAgent()).toBe("listening");
    const stale = client({ now: () => Date.now() - 121_000 });
    await expect(stale.authorizeKey("127.0.0.1", machine, otherKey)).rejects.toThrow(
      /401 stale_or_missing_timestamp/,
    );
    const ahead = client({ now: () => Date.now() + 121_000 });
    await expect(ahead.isReady("127.0.0.1", machine)).rejects.toThrow(/401/);
    expect(await readFile(config.authorizedKeysPath, "utf8")).toBe(`${throwAway}\n`);
    // Within the window it still answers.
    expect(await client({ now: () => Date.now() - 60_000 }).isReady("127.0.0.1", machine)).toBe(false);
  });

  it("refuses a key that is not one OpenSSH public key line and stays up for a good one", async () => {
    await seedThrowAwayKey();
    expect(await startAgent()).toBe("listening");
    await expect(
      client().authorizeKey("127.0.0.1", machine, `${leaseKey}\nssh-ed25519 AAAA injected`),
    ).rejects.toThrow(/400 invalid_request/);
    await expect(client().authorizeKey("127.0.0.1", machine, "not a key")).rejects.toThrow(/400/);
    expect(await readFile(config.authorizedKeysPath, "utf8")).toBe(`${throwAway}\n`);
    await client().authorizeKey("127.0.0.1", machine, leaseKey);
    expect(await readFile(config.authorizedKeysPath, "utf8")).toBe(`${leaseKey}\n`);
  });

  it("answers a raw request with a non-ASCII signature 401, not a crash, and keeps serving", async () => {
    expect(await startAgent()).toBe("listening");
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = createConnection({ host: "127.0.0.1", port }, () => {
        socket.end(
          `GET /ready HTTP/1.1\r\nHost: x\r\nX-Crabbox-Timestamp: ${Math.floor(Date.now() / 1000)}\r\nX-Crabbox-Signature: \u00e9\u00e9\r\nContent-Length: 0\r\n\r\n`,
        );
      });
      let text = "";
      socket.on("data", (chunk) => {
        text += chunk.toString();
      });
      socket.on("end", () => resolve(text));
      socket.on("error", reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 401/);
    expect(await client().isReady("127.0.0.1", machine)).toBe(false);
  });
});
