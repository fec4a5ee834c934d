import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MachineHost } from "../../src/local/machine-host";
import { generateEd25519KeyPair } from "../../src/local/ssh/host-key";
import { collect, connectSsh, execOnce, openExec } from "./ssh-client";

const readyProbe = "command -v crabbox-ready >/dev/null 2>&1 && crabbox-ready";

function leaseKey() {
  return generateEd25519KeyPair();
}

function spec(lease: string, publicKey: string) {
  return {
    name: `crabbox-test-${lease}`,
    labels: { crabbox: "true", created_by: "crabbox", lease, provider: "local" },
    sshPublicKey: publicKey,
  };
}

function portIsClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });
}

describe("the local machine host", () => {
  let stateDir: string;
  let host: MachineHost;

  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), "crabbox-host-"));
    host = new MachineHost({ stateDir, bootstrapDelayMs: 600 });
    await host.start();
  });

  afterEach(async () => {
    await host.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  it("serves a new machine over SSH at once but reports it ready only after bootstrap", async () => {
    const key = leaseKey();
    const { machine, created } = await host.create(spec("cbx_aaaaaaaaaaaa", key.public));
    expect(created).toBe(true);
    expect(machine.ready).toBe(false);
    expect(machine.status).toBe("bootstrapping");
    const before = await execOnce(machine.sshPort, key.private, readyProbe);
    expect(before.code).not.toBe(0);
    await new Promise((r) => setTimeout(r, 900));
    const after = await execOnce(machine.sshPort, key.private, readyProbe);
    expect(after.code).toBe(0);
    expect(host.get(machine.id)?.status).toBe("running");
  });

  it("runs commands with a real shell: stdin, stdout, stderr, exit status, home and PATH", async () => {
    const key = leaseKey();
    const { machine } = await host.create(spec("cbx_bbbbbbbbbbbb", key.public));
    const result = await execOnce(
      machine.sshPort,
      key.private,
      'read line; echo "got $line"; echo oops >&2; pwd; echo "$PATH" | cut -d: -f1; test -w "$CRABBOX_WORK_ROOT" && echo writable; exit 7',
      "hello\n",
    );
    expect(result.code).toBe(7);
    const lines = result.stdout.trim().split("\n");
    expect(lines[0]).toBe("got hello");
    expect(lines[1]).toBe(join(stateDir, "machines", machine.id, "home"));
    expect(lines[2]).toBe(join(stateDir, "machines", machine.id, "bin"));
    expect(lines[3]).toBe("writable");
    expect(result.stderr).toBe("oops\n");
    expect(machine.workRoot).toBe(join(stateDir, "machines", machine.id, "work"));
  });

  it("reports quick exits to clients that listen for them only after the channel promise resolves", async () => {
    const key = leaseKey();
    const { machine } = await host.create(spec("cbx_abababababab", key.public));
    const client = await connectSsh(machine.sshPort, key.private);
    try {
      for (let i = 0; i < 15; i++) {
        const channel = await openExec(client, `exit ${i}`);
        const code = await new Promise<number | null>((resolve) => {
          let seen: number | null = null;
          channel.on("exit", (c: number | null) => {
            seen = c;
          });
          channel.on("close", () => resolve(seen));
          channel.resume();
          channel.end();
        });
        expect(code).toBe(i);
      }
    } finally {
      client.end();
    }
  });

  it("stops the remote command and its children when the client sends Ctrl-C", async () => {
    const key = leaseKey();
    const { machine } = await host.create(spec("cbx_cccccccccccc", key.public));
    const client = await connectSsh(machine.sshPort, key.private);
    try {
      const channel = await openExec(client, "sleep 31 & echo started; wait");
      const done = collect(channel);
      await new Promise<void>((resolve) => channel.once("data", () => resolve()));
      const started = Date.now();
      channel.signal("INT");
      const result = await done;
      expect(Date.now() - started).toBeLessThan(5000);
      expect(result.signal === "SIGINT" || (result.code ?? 0) > 128).toBe(true);
      const leftovers = await execOnce(machine.sshPort, key.private, "pgrep -f 'sleep 3[1]' | wc -l");
      expect(leftovers.stdout.trim()).toBe("0");
    } finally {
      client.end();
    }
  });

  it("gives interactive sessions a real terminal of the requested size", async () => {
    const key = leaseKey();
    const { machine } = await host.create(spec("cbx_dddddddddddd", key.public));
    const client = await connectSsh(machine.sshPort, key.private);
    try {
      const channel = await openExec(client, "tty; stty size; exit 3", { pty: true });
      const result = await collect(channel);
      expect(result.stdout).toMatch(/\/dev\/(pts\/\d+|ttys\d+)/);
      expect(result.stdout).toContain("30 100");
      expect(result.code).toBe(3);
    } finally {
      client.end();
    }
  });

  it("runs an interactive shell on a pty that follows window-size changes", async () => {
    const key = leaseKey();
    const { machine } = await host.create(spec("cbx_dcdcdcdcdcdc", key.public));
    const client = await connectSsh(machine.sshPort, key.private);
    try {
      const channel = await new Promise<import("ssh2").ClientChannel>((resolve, reject) =>
        client.shell({ rows: 20, cols: 70, term: "xterm" }, (error, ch) =>
          error ? reject(error) : resolve(ch),
        ),
      );
      let output = "";
      channel.on("data", (d: Buffer) => {
        output += d.toString();
      });
      const seen = (text: string) =>
        new Promise<void>((resolve, reject) => {
          const deadline = Date.now() + 5000;
          const check = () => {
            if (output.includes(text)) resolve();
            else if (Date.now() > deadline)
              reject(new Error(`no ${JSON.stringify(text)} in ${JSON.stringify(output)}`));
            else setTimeout(check, 20);
          };
          check();
        });
      channel.write("stty size | sed 's/^/size-/'\n");
      await seen("size-20 70");
      channel.setWindow(33, 111, 0, 0);
      await new Promise((r) => setTimeout(r, 200));
      channel.write("stty size | sed 's/^/size-/'\n");
      await seen("size-33 111");
      const closed = new Promise<void>((resolve) => channel.on("close", () => resolve()));
      channel.write("exit\n");
      await closed;
    } finally {
      client.end();
    }
  });

  it("refuses every key except the lease's", async () => {
    const key = leaseKey();
    const stranger = leaseKey();
    const { machine } = await host.create(spec("cbx_eeeeeeeeeeee", key.public));
    await expect(connectSsh(machine.sshPort, stranger.private)).rejects.toThrow(/authentication/i);
  });

  it("returns the existing machine when the same lease is created again, even concurrently", async () => {
    const key = leaseKey();
    const results = await Promise.all(
      Array.from({ length: 5 }, () => host.create(spec("cbx_ffffffffffff", key.public))),
    );
    expect(new Set(results.map((r) => r.machine.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(host.list()).toHaveLength(1);
  });

  it("lists machines by label selector", async () => {
    const key = leaseKey();
    await host.create(spec("cbx_111111111111", key.public));
    await host.create(spec("cbx_222222222222", key.public));
    expect(host.list([{ key: "lease", value: "cbx_222222222222" }]).map((m) => m.labels.lease)).toEqual([
      "cbx_222222222222",
    ]);
    expect(host.list([{ key: "crabbox", value: "true" }])).toHaveLength(2);
    expect(host.list([{ key: "lease", value: "cbx_333333333333" }])).toEqual([]);
  });

  it("deletes a machine: its SSH port closes and its root is removed", async () => {
    const key = leaseKey();
    const { machine } = await host.create(spec("cbx_444444444444", key.public));
    const root = join(stateDir, "machines", machine.id);
    expect(existsSync(root)).toBe(true);
    expect(await host.delete(machine.id)).toBe(true);
    expect(await portIsClosed(machine.sshPort)).toBe(true);
    expect(existsSync(root)).toBe(false);
    expect(host.get(machine.id)).toBeUndefined();
    expect(await host.delete(machine.id)).toBe(false);
  });

  it("comes back after a restart with its machines, on their old ports, keeping their host keys", async () => {
    const key = leaseKey();
    const { machine } = await host.create(spec("cbx_555555555555", key.public));
    await new Promise((r) => setTimeout(r, 900));
    let firstHostKey: Buffer | undefined;
    const probe = await connectSshCapturingHostKey(machine.sshPort, key.private, (k) => {
      firstHostKey = k;
    });
    probe.end();
    await host.stop();
    expect(await portIsClosed(machine.sshPort)).toBe(true);

    host = new MachineHost({ stateDir, bootstrapDelayMs: 600 });
    await host.start();
    const again = host.get(machine.id);
    expect(again?.sshPort).toBe(machine.sshPort);
    expect(again?.ready).toBe(true);
    let secondHostKey: Buffer | undefined;
    const client = await connectSshCapturingHostKey(machine.sshPort, key.private, (k) => {
      secondHostKey = k;
    });
    client.end();
    expect(secondHostKey?.equals(firstHostKey as Buffer)).toBe(true);
  });
});

async function connectSshCapturingHostKey(port: number, privateKey: string, onKey: (key: Buffer) => void) {
  const { default: ssh2 } = await import("ssh2");
  return new Promise<InstanceType<typeof ssh2.Client>>((resolve, reject) => {
    const client = new ssh2.Client();
    client.once("ready", () => resolve(client));
    client.once("error", reject);
    client.connect({
      host: "127.0.0.1",
      port,
      username: "crabbox",
      privateKey,
      hostVerifier: (key: Buffer) => {
        onKey(key);
        return true;
      },
    });
  });
}
