/**
 * Starts a real Debian OpenSSH server (`/usr/sbin/sshd`) on a free loopback port, as a
 * non-daemon child with its own config, host key and authorized_keys in a temp dir. Tests and
 * the sync benchmark use it to prove the SSH and sync engine against the server real machines run.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { Socket } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port";

export const SSHD_PATH = "/usr/sbin/sshd";

export interface OpenSshServer {
  host: "127.0.0.1";
  port: number;
  username: string;
  /** OpenSSH-format private key (ed25519) that the server accepts. */
  privateKey: string;
  privateKeyPath: string;
  /** The server's host public key line (`ssh-ed25519 AAAA…`). */
  hostPublicKey: string;
  /** Temp dir holding config, keys and (by default) the work root. */
  dir: string;
  /** A scratch directory on the "machine" (same filesystem, served over SSH). */
  workRoot: string;
  /** Kills sshd (and with it every session) — used to simulate a dropped connection. */
  stop(): Promise<void>;
  /** Starts sshd again on the same port with the same keys. */
  restart(): Promise<void>;
}

export function opensshAvailable(): boolean {
  return existsSync(SSHD_PATH) && existsSync("/usr/bin/ssh-keygen");
}

async function waitForBanner(port: number, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      let settled = false;
      const done = (value: boolean) => {
        if (settled) return;
        settled = true;
        socket.destroy();
        resolve(value);
      };
      socket.setTimeout(1000, () => done(false));
      socket.once("error", () => done(false));
      socket.once("data", (chunk) => done(chunk.toString("latin1").startsWith("SSH-")));
      socket.connect(port, "127.0.0.1");
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd did not answer on 127.0.0.1:${port}`);
}

export interface StartOpenSshOptions {
  /** Extra `sshd_config` lines (e.g. `AcceptEnv FOO`). */
  extraConfig?: string[];
  /** Appends sshd's own log (stderr) to this file; useful with `LogLevel DEBUG3` when a test fails. */
  logFile?: string;
}

export async function startOpenSsh(options: StartOpenSshOptions = {}): Promise<OpenSshServer> {
  if (!opensshAvailable()) {
    throw new Error(`${SSHD_PATH} is missing: run \`bash scripts/setup.sh\` (installs openssh-server)`);
  }
  const dir = mkdtempSync(join(tmpdir(), "crabbox-sshd-"));
  const workRoot = join(dir, "work");
  mkdirSync(workRoot);
  const hostKeyPath = join(dir, "host_ed25519");
  const privateKeyPath = join(dir, "client_ed25519");
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "crabbox-test-host", "-f", hostKeyPath]);
  execFileSync("ssh-keygen", [
    "-q",
    "-t",
    "ed25519",
    "-N",
    "",
    "-C",
    "crabbox-test-client",
    "-f",
    privateKeyPath,
  ]);
  writeFileSync(join(dir, "authorized_keys"), readFileSync(`${privateKeyPath}.pub`), { mode: 0o600 });
  if (process.getuid?.() === 0) mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });

  const port = await freePort();
  const configPath = join(dir, "sshd_config");
  writeFileSync(
    configPath,
    [
      // sshd keeps the first value it reads for a keyword, so the caller's lines go first.
      ...(options.extraConfig ?? []),
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${hostKeyPath}`,
      `PidFile ${join(dir, "sshd.pid")}`,
      `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
      "PubkeyAuthentication yes",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      "StrictModes no",
      "PermitRootLogin prohibit-password",
      "PrintMotd no",
      "MaxStartups 100:30:200",
      "MaxSessions 100",
      "LogLevel ERROR",
      "",
    ].join("\n"),
  );

  let child: ChildProcess | undefined;
  const launch = async () => {
    const proc = spawn(SSHD_PATH, ["-D", "-e", "-f", configPath], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    proc.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
      if (options.logFile) appendFileSync(options.logFile, chunk);
    });
    child = proc;
    const exited = new Promise<never>((_, reject) =>
      proc.once("exit", (code) => reject(new Error(`sshd exited with ${code}: ${stderr}`))),
    );
    exited.catch(() => {});
    await Promise.race([waitForBanner(port, Date.now() + 10_000), exited]);
  };
  const stop = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    const gone = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    // sshd -D leaves per-connection children running after the listener dies; end those first
    // (by pid) so that a "dropped connection" really drops.
    let children: number[] = [];
    try {
      children = execFileSync("pgrep", ["-P", String(proc.pid)], { encoding: "utf8" })
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number);
    } catch {
      // no children
    }
    for (const pid of children) {
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
    proc.kill("SIGTERM");
    await gone;
  };
  await launch();
  return {
    host: "127.0.0.1",
    port,
    username: userInfo().username,
    privateKey: readFileSync(privateKeyPath, "utf8"),
    privateKeyPath,
    hostPublicKey: readFileSync(`${hostKeyPath}.pub`, "utf8").trim().split(" ").slice(0, 2).join(" "),
    dir,
    workRoot,
    stop,
    restart: launch,
  };
}

export async function stopAndRemove(server: OpenSshServer): Promise<void> {
  await server.stop();
  rmSync(server.dir, { recursive: true, force: true });
}

/** A `config.yaml` that makes this server crabbox's static host (`provider: ssh`), plus `extra` lines. */
export function staticHostConfig(server: OpenSshServer, extra: string[] = []): string {
  return [
    "provider: ssh",
    "static:",
    `  host: ${server.host}`,
    `  port: ${server.port}`,
    `  user: ${server.username}`,
    `  key: ${server.privateKeyPath}`,
    `  workRoot: ${server.workRoot}`,
    ...extra,
    "",
  ].join("\n");
}
