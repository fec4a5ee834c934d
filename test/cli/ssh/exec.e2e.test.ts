import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { connectSsh, type SshSession } from "../../../src/cli/ssh/connect";
import { shellQuote } from "../../../src/cli/ssh/quote";
import { waitForReady } from "../../../src/cli/ssh/ready";
import { collectTelemetry } from "../../../src/cli/telemetry/linux";
import { isCrabboxError } from "../../../src/errors";
import { type OpenSshServer, startOpenSsh, stopAndRemove } from "../../support/openssh";

let server: OpenSshServer;
let session: SshSession;

const connect = (extra: Partial<Parameters<typeof connectSsh>[0]> = {}) =>
  connectSsh({
    host: server.host,
    port: server.port,
    username: server.username,
    privateKey: server.privateKey,
    hostKeyPolicy: "pin",
    knownHostsPath: join(server.dir, "known_hosts"),
    ...extra,
  });

/** A `sleep` with a unique duration, and whether such a process is still running on the machine. */
function uniqueSleep(): { command: string; alive: () => boolean } {
  const seconds = `600${Math.floor(Math.random() * 1e6)}`;
  return { command: `sleep ${seconds}`, alive: () => processAlive(`^sleep ${seconds}$`) };
}

function processAlive(pattern: string): boolean {
  try {
    execFileSync("pgrep", ["-f", pattern]);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  server = await startOpenSsh();
  session = await connect();
});

afterAll(async () => {
  session?.close();
  if (server) await stopAndRemove(server);
});

describe("exec against a real OpenSSH server", () => {
  it("streams stdout and stderr as they happen and reports the exit status", async () => {
    const events: string[] = [];
    let firstChunkAt = 0;
    const started = Date.now();
    const result = await session.exec("echo one; echo err >&2; sleep 0.6; echo two; exit 7", {
      onStdout: (chunk) => {
        firstChunkAt ||= Date.now() - started;
        events.push(`out:${chunk.toString().trim()}`);
      },
      onStderr: (chunk) => events.push(`err:${chunk.toString().trim()}`),
    });
    expect(result).toEqual({ exitCode: 7 });
    expect(events).toContain("out:one");
    expect(events).toContain("err:err");
    expect(events.at(-1)).toBe("out:two");
    expect(firstChunkAt).toBeLessThan(Date.now() - started - 400); // "one" arrived before the sleep ended
  });

  it("passes argv through quoting untouched and feeds stdin", async () => {
    let out = "";
    const argv = ["printf", "%s|", "it's", "a b", "$HOME", "ünï"];
    await session.exec(shellQuote(argv), { onStdout: (c) => (out += c) });
    expect(out).toBe("it's|a b|$HOME|ünï|");
    let echoed = "";
    const result = await session.exec('cat; printf %s "$CRABBOX_X"', {
      stdin: "from stdin|",
      env: { CRABBOX_X: "env 'value'" },
      onStdout: (c) => (echoed += c),
    });
    expect(result.exitCode).toBe(0);
    expect(echoed).toBe("from stdin|env 'value'");
  });

  it("Ctrl-C stops the remote command and everything it started", async () => {
    const sleeper = uniqueSleep();
    const controller = new AbortController();
    let out = "";
    const running = session.exec(`sh -c 'echo started; ${sleeper.command}; echo never'`, {
      signal: controller.signal,
      onStdout: (c) => {
        out += c;
        if (out.includes("started")) controller.abort();
      },
    });
    const started = Date.now();
    const result = await running;
    expect(result.aborted).toBe(true);
    expect(result.exitCode).not.toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(out).not.toContain("never");
    await new Promise((r) => setTimeout(r, 300));
    expect(sleeper.alive()).toBe(false);
  });

  it("a command that ignores SIGINT is killed after the grace period", async () => {
    const sleeper = uniqueSleep();
    const controller = new AbortController();
    let abortedAt = 0;
    const running = session.exec(`sh -c 'trap "" INT; echo ready; ${sleeper.command}'`, {
      signal: controller.signal,
      killGraceMs: 1500,
      onStdout: () => {
        abortedAt = Date.now();
        controller.abort();
      },
    });
    // Wait on states, not a guessed delay: the abort (SIGINT) is sent once "ready" arrives, and the
    // sleeper is then seen alive, since SIGINT is ignored (trap '' is inherited by sleep)...
    await vi.waitFor(() => expect(abortedAt).toBeGreaterThan(0), { timeout: 30_000, interval: 20 });
    await vi.waitFor(() => expect(sleeper.alive()).toBe(true), { timeout: 30_000, interval: 20 });
    // ...until the grace period ends and it is killed.
    const result = await running;
    expect(result.aborted).toBe(true);
    expect(Date.now() - abortedAt).toBeLessThan(15_000);
    await vi.waitFor(() => expect(sleeper.alive()).toBe(false), { timeout: 30_000, interval: 20 });
  });

  it("a dropped connection rejects the running command with an SSH error", async () => {
    const other = await startOpenSsh();
    try {
      const s = await connectSsh({
        host: other.host,
        port: other.port,
        username: other.username,
        privateKey: other.privateKey,
        hostKeyPolicy: "accept-any",
      });
      const running = s.exec("sleep 30");
      setTimeout(() => void other.stop(), 300);
      await expect(running).rejects.toMatchObject({ code: "ssh_failed" });
    } finally {
      await stopAndRemove(other);
    }
  });

  it("opens an interactive shell with a pty", async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    let seen = "";
    stdout.on("data", (c) => (seen += c));
    const done = session.shell({ pty: true, stdin, stdout, stderr: stdout, rows: 30, cols: 100 });
    stdin.write("stty size; test -t 0 && echo IS-A-TTY; exit 3\n");
    const result = await done;
    expect(result.exitCode).toBe(3);
    expect(seen).toContain("30 100");
    expect(seen).toContain("IS-A-TTY");
  });

  it("collects Linux telemetry from the machine", async () => {
    const sample = await collectTelemetry(session);
    expect(sample?.source).toBe("ssh-linux");
    expect(sample?.memoryTotalBytes).toBeGreaterThan(0);
    expect(sample?.load1).toBeGreaterThanOrEqual(0);
  });
});

describe("host keys", () => {
  it("pins the key on first use and refuses a server whose key changed", async () => {
    const knownHostsPath = join(mkdtempSync(join(tmpdir(), "kh-")), "known_hosts");
    (await connect({ knownHostsPath, hostKeyAlias: "cbx_aaaaaaaaaaaa" })).close();
    expect(existsSync(knownHostsPath)).toBe(true);
    (await connect({ knownHostsPath, hostKeyAlias: "cbx_aaaaaaaaaaaa" })).close();
    // another machine answering under the same name (e.g. a reused address) must be refused
    const impostor = await startOpenSsh();
    try {
      await expect(
        connectSsh({
          host: impostor.host,
          port: impostor.port,
          username: impostor.username,
          privateKey: impostor.privateKey,
          hostKeyPolicy: "pin",
          knownHostsPath,
          hostKeyAlias: "cbx_aaaaaaaaaaaa",
        }),
      ).rejects.toMatchObject({ code: "ssh_failed", details: { stage: "host-key" } });
    } finally {
      await stopAndRemove(impostor);
    }
  });

  it("accepts the coordinator-recorded key and rejects another one", async () => {
    (await connect({ expectedHostKey: server.hostPublicKey, hostKeyPolicy: "strict" })).close();
    const wrong = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
    await expect(connect({ expectedHostKey: wrong })).rejects.toMatchObject({
      details: { stage: "host-key" },
    });
  });

  it("reports a key the server does not accept as an auth failure without leaking it", async () => {
    const other = join(mkdtempSync(join(tmpdir(), "key-")), "k");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", other]);
    const { readFileSync } = await import("node:fs");
    const key = readFileSync(other, "utf8");
    try {
      await connect({ privateKey: key });
      expect.unreachable();
    } catch (error) {
      expect(isCrabboxError(error) && error.details?.stage).toBe("auth");
      expect((error as Error).message).not.toContain(key.split("\n")[1] ?? "zzz");
    }
  });
});

describe("waitForReady", () => {
  it("skips a dead port, waits for the readiness command and returns the port that worked", async () => {
    const flag = join(server.dir, `ready-${Date.now()}`);
    setTimeout(() => writeFileSync(flag, ""), 1200);
    const progress: string[] = [];
    const port = await waitForReady(
      {
        host: server.host,
        port: 1, // nothing listens there
        fallbackPorts: [server.port],
        username: server.username,
        privateKey: server.privateKey,
        hostKeyPolicy: "accept-any",
        readyCommand: `test -f ${shellQuote([flag])}`,
      },
      { timeoutMs: 20_000, onProgress: (p) => progress.push(`${p.port}:${p.stage}`) },
    );
    expect(port).toBe(server.port);
    expect(progress).toContain("1:connect");
    expect(progress).toContain(`${server.port}:ready-check`);
  });

  it("gives up at the deadline with a timeout error (exit code 5)", async () => {
    try {
      await waitForReady(
        {
          host: server.host,
          port: server.port,
          username: server.username,
          privateKey: server.privateKey,
          hostKeyPolicy: "accept-any",
          readyCommand: "exit 1",
        },
        { timeoutMs: 1500 },
      );
      expect.unreachable();
    } catch (error) {
      expect(isCrabboxError(error) && error.exitCode).toBe(5);
    }
  });

  it("does not hang on a readiness command that never returns", async () => {
    const started = Date.now();
    await expect(
      waitForReady(
        {
          host: server.host,
          port: server.port,
          username: server.username,
          privateKey: server.privateKey,
          hostKeyPolicy: "accept-any",
          readyCommand: "sleep 300",
        },
        { timeoutMs: 2000 },
      ),
    ).rejects.toMatchObject({ code: "timeout" });
    expect(Date.now() - started).toBeLessThan(8000);
  });

  it("uses the crabbox-ready command on the PATH by default", async () => {
    const bin = join(server.dir, "bin");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "crabbox-ready"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    // sshd gives sessions a fixed PATH; a login profile would add /usr/local/bin on real machines.
    const target = {
      host: server.host,
      port: server.port,
      username: server.username,
      privateKey: server.privateKey,
      hostKeyPolicy: "accept-any" as const,
    };
    await expect(waitForReady(target, { timeoutMs: 1500 })).rejects.toMatchObject({ code: "timeout" });
    const { POSIX_READY_COMMAND } = await import("../../../src/cli/ssh/ready");
    expect(
      await waitForReady(
        { ...target, readyCommand: `PATH=${bin}:$PATH; ${POSIX_READY_COMMAND}` },
        { timeoutMs: 5000 },
      ),
    ).toBe(server.port);
  });
});
