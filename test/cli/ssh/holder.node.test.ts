/**
 * The SSH connection holder's socket protocol (docs/sync.md#ssh-connection-holder) between the
 * real client and server over a real Unix socket, with a scripted SshSession standing in for
 * the SSH connection: what reaches `exec`, what comes back, abort, identity and host-key checks,
 * the directory check and `stop`.
 */
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { connectHolder, stopHolder } from "../../../src/cli/ssh/holder/client";
import { ensureHolderDir, holderSocketPath } from "../../../src/cli/ssh/holder/protocol";
import { serveHolder } from "../../../src/cli/ssh/holder/server";
import { hostKeyFingerprint } from "../../../src/cli/ssh/known-hosts";
import type { ExecOptions, ExecResult, SshSession } from "../../../src/cli/ssh/session-types";

const hostKey = Buffer.from("a host key blob for the test");
const identity = { leaseID: "cbx_0123456789ab", host: "127.0.0.1", port: 2222, username: "crabbox" };

interface Call {
  command: string;
  options: ExecOptions;
}

/** An SshSession whose `exec` is the test's function; it records every call. */
function scriptedSession(run: (call: Call) => Promise<ExecResult>): { session: SshSession; calls: Call[] } {
  const calls: Call[] = [];
  let markClosed = () => {};
  const closed = new Promise<void>((r) => {
    markClosed = r;
  });
  let open = true;
  const session: SshSession = {
    ...identity,
    hostKeyFingerprint: hostKeyFingerprint(hostKey),
    exec(command, options = {}) {
      const call = { command, options };
      calls.push(call);
      return run(call);
    },
    shell: () => Promise.reject(new Error("no shell here")),
    closed,
    isOpen: () => open,
    close() {
      open = false;
      markClosed();
    },
  };
  return { session, calls };
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function setUp(
  run: (call: Call) => Promise<ExecResult>,
  pinned = hostKey,
  options: { idleMs?: number; expiresAtMs?: number } = {},
) {
  const root = mkdtempSync(join(tmpdir(), "crabbox-holder-"));
  const env = { CRABBOX_STATE_DIR: join(root, "state") };
  const knownHostsPath = join(root, "known_hosts");
  writeFileSync(knownHostsPath, `${identity.leaseID} ssh-ed25519 ${pinned.toString("base64")}\n`);
  ensureHolderDir(env, true);
  const socketPath = holderSocketPath(env, identity.leaseID);
  const { session, calls } = scriptedSession(run);
  const served = serveHolder(session, {
    identity,
    socketPath,
    idleMs: options.idleMs ?? 60_000,
    expiresAtMs: options.expiresAtMs ?? Date.now() + 60_000,
    isStale: async () => true,
  });
  cleanups.push(() => {
    session.close();
    return served;
  });
  const target = {
    ...identity,
    knownHostsPath,
    hostKeyAlias: identity.leaseID,
    windows: false,
    direct: () => Promise.reject(new Error("direct")),
  };
  return { env, socketPath, session, calls, served, target };
}

async function listening(path: string): Promise<void> {
  while (!existsSync(path)) await new Promise((r) => setImmediate(r));
}

describe("the SSH connection holder's socket", () => {
  it("runs an exec on the held session: command, env, options in; stdout, stderr, exit status out", async () => {
    const h = setUp(async ({ options }) => {
      options.stdout?.write("out-1 ");
      options.onStderr?.(Buffer.from("err-1"));
      options.stdout?.write("out-2");
      return { exitCode: 7 };
    });
    await listening(h.socketPath);
    const client = await connectHolder(h.env, h.target);
    expect(client).toBeDefined();
    expect(client!.hostKeyFingerprint).toBe(hostKeyFingerprint(hostKey));
    let out = "";
    let err = "";
    const result = await client!.exec("make test", {
      env: { CI: "1" },
      killGraceMs: 1500,
      signal: new AbortController().signal,
      onStdout: (c) => {
        out += c.toString();
      },
      onStderr: (c) => {
        err += c.toString();
      },
    });
    expect(result).toEqual({ exitCode: 7 });
    expect(out).toBe("out-1 out-2");
    expect(err).toBe("err-1");
    expect(h.calls[0]!.command).toBe("make test");
    expect(h.calls[0]!.options).toMatchObject({ env: { CI: "1" }, killGraceMs: 1500, watchdog: true });
    expect(h.calls[0]!.options.stdin).toBeUndefined();
    client!.close();
  });

  it("sends stdin through and ends it", async () => {
    const h = setUp(async ({ options }) => {
      let text = "";
      for await (const chunk of options.stdin as AsyncIterable<Buffer>) text += chunk.toString();
      options.stdout?.write(text.toUpperCase());
      return { exitCode: 0 };
    });
    await listening(h.socketPath);
    const client = (await connectHolder(h.env, h.target))!;
    let out = "";
    const result = await client.exec("cat", { stdin: "piped in", onStdout: (c) => (out += c.toString()) });
    expect(result.exitCode).toBe(0);
    expect(out).toBe("PIPED IN");
    expect(h.calls[0]!.options.watchdog).toBe(false);
    client.close();
  });

  it("turns the client's abort into an abort of the held exec", async () => {
    const h = setUp(
      ({ options }) =>
        new Promise((resolve) => {
          options.stdout?.write("started");
          options.signal!.addEventListener("abort", () =>
            resolve({ exitCode: 130, signal: "INT", aborted: true }),
          );
        }),
    );
    await listening(h.socketPath);
    const client = (await connectHolder(h.env, h.target))!;
    const controller = new AbortController();
    const result = await client.exec("sleep 60", {
      signal: controller.signal,
      onStdout: () => controller.abort(),
    });
    expect(result).toEqual({ exitCode: 130, signal: "INT", aborted: true });
    client.close();
  });

  it("is not used for another machine or a host key other than the pinned one", async () => {
    const h = setUp(async () => ({ exitCode: 0 }), Buffer.from("another key"));
    await listening(h.socketPath);
    expect(await connectHolder(h.env, h.target)).toBeUndefined();
    expect(await connectHolder(h.env, { ...h.target, port: 22 })).toBeUndefined();
  });

  it("is refused in a directory the group or others can reach", async () => {
    const h = setUp(async () => ({ exitCode: 0 }));
    await listening(h.socketPath);
    const dir = join(h.env.CRABBOX_STATE_DIR, "ssh");
    chmodSync(dir, 0o750);
    expect(() => ensureHolderDir(h.env, false)).toThrow(/mode 0700/);
    expect(await connectHolder(h.env, h.target)).toBeUndefined();
    chmodSync(dir, 0o700);
  });

  it("exits on stop and leaves no socket behind", async () => {
    const h = setUp(async () => ({ exitCode: 0 }));
    await listening(h.socketPath);
    await stopHolder(h.env, identity.leaseID);
    expect(await h.served).toBe("stopped");
    expect(existsSync(h.socketPath)).toBe(false);
    expect(h.session.isOpen()).toBe(false);
  });

  it("exits after its idle period without a client, and at the lease's expiry", async () => {
    const idle = setUp(async () => ({ exitCode: 0 }), hostKey, { idleMs: 50 });
    expect(await idle.served).toBe("idle");
    expect(existsSync(idle.socketPath)).toBe(false);
    const expiring = setUp(async () => ({ exitCode: 0 }), hostKey, { expiresAtMs: Date.now() + 50 });
    expect(await expiring.served).toBe("lease expired");
    expect(expiring.session.isOpen()).toBe(false);
  });

  it("exits when its SSH connection closes", async () => {
    const h = setUp(async () => ({ exitCode: 0 }));
    await listening(h.socketPath);
    h.session.close();
    expect(await h.served).toBe("ssh connection closed");
    expect(existsSync(h.socketPath)).toBe(false);
  });

  it("leaves a second holder for the same lease to the first, and replaces only a stale socket", async () => {
    const h = setUp(async () => ({ exitCode: 0 }));
    await listening(h.socketPath);
    const second = scriptedSession(async () => ({ exitCode: 0 }));
    const answer = await serveHolder(second.session, {
      identity,
      socketPath: h.socketPath,
      idleMs: 60_000,
      expiresAtMs: Date.now() + 60_000,
      isStale: async () => false,
    });
    expect(answer).toBe("another holder serves this lease");
    // the first one's socket is untouched and still answers
    const client = await connectHolder(h.env, h.target);
    expect(client).toBeDefined();
    client!.close();
    // a socket file nobody listens on is taken over
    const root = mkdtempSync(join(tmpdir(), "crabbox-holder-"));
    const env = { CRABBOX_STATE_DIR: join(root, "state") };
    ensureHolderDir(env, true);
    const stalePath = holderSocketPath(env, identity.leaseID);
    writeFileSync(stalePath, "");
    const third = scriptedSession(async () => ({ exitCode: 0 }));
    const served = serveHolder(third.session, {
      identity,
      socketPath: stalePath,
      idleMs: 60_000,
      expiresAtMs: Date.now() + 60_000,
      isStale: async () => true,
    });
    cleanups.push(() => {
      third.session.close();
      return served;
    });
    writeFileSync(
      join(root, "known_hosts"),
      `${identity.leaseID} ssh-ed25519 ${hostKey.toString("base64")}\n`,
    );
    let taken: SshSession | undefined;
    while (!taken) {
      taken = await connectHolder(env, { ...h.target, knownHostsPath: join(root, "known_hosts") });
      if (!taken) await new Promise((r) => setImmediate(r));
    }
    taken.close();
  });

  it("falls back when the socket file is stale", async () => {
    const root = mkdtempSync(join(tmpdir(), "crabbox-holder-"));
    const env = { CRABBOX_STATE_DIR: join(root, "state") };
    ensureHolderDir(env, true);
    writeFileSync(holderSocketPath(env, identity.leaseID), "");
    expect(
      await connectHolder(env, {
        ...identity,
        knownHostsPath: join(root, "known_hosts"),
        hostKeyAlias: identity.leaseID,
        windows: false,
        direct: () => Promise.reject(new Error("direct")),
      }),
    ).toBeUndefined();
  });
});
