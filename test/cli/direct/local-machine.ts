/**
 * "The cloud server" of direct-mode tests: a local machine (the ssh2 machine server of
 * `src/local`, real shell and git) on a fixed loopback port. It accepts exactly the key the
 * provider last uploaded to the fake cloud, the way cloud-init installs it, and has
 * `crabbox-ready` on its PATH as a bootstrapped machine does.
 */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateEd25519 } from "../../../src/cli/keys/openssh";
import { MachineSshServer } from "../../../src/local/ssh/machine-ssh-server";

async function freePort(): Promise<number> {
  return await new Promise((resolve) => {
    const probe = createServer();
    probe.listen(0, "127.0.0.1", () => {
      const port = (probe.address() as AddressInfo).port;
      probe.close(() => resolve(port));
    });
  });
}

export interface LocalCloudMachine {
  port: number;
  close(): Promise<void>;
}

/**
 * `at` pins the address and port (a brokered lease connects where the coordinator says, port
 * 2222): a 127.x address of its own keeps a fixed port free of other listeners.
 */
export async function localCloudMachine(
  uploadedKey: () => string | undefined,
  at?: { host: string; port: number },
  /** More executables on the machine's PATH, by name (e.g. a `powershell.exe` stand-in). */
  extraBin: Record<string, string> = {},
): Promise<LocalCloudMachine> {
  const home = mkdtempSync(join(tmpdir(), "crabbox-direct-machine-"));
  const binDir = join(home, "bin");
  mkdirSync(binDir);
  writeFileSync(join(binDir, "crabbox-ready"), "#!/bin/sh\nexit 0\n");
  chmodSync(join(binDir, "crabbox-ready"), 0o755);
  for (const [name, script] of Object.entries(extraBin)) {
    writeFileSync(join(binDir, name), script);
    chmodSync(join(binDir, name), 0o755);
  }
  const hostKey = generateEd25519("direct-test-host").privateKey;
  const port = at?.port ?? (await freePort());
  let machine: MachineSshServer | undefined;
  let current = "";
  let switching = false;
  const timer = setInterval(async () => {
    const key = uploadedKey()?.trim();
    if (!key || key === current || switching) return;
    switching = true;
    await machine?.close();
    machine = new MachineSshServer({
      hostKey,
      authorizedKey: key,
      shell: { home, binDir, user: "crabbox", env: {} },
    });
    await machine.listen(port, at?.host);
    current = key;
    switching = false;
  }, 25);
  return {
    port,
    async close() {
      clearInterval(timer);
      await machine?.close();
    },
  };
}

/**
 * The caller's side of a direct-mode test: a home whose config.yaml names `provider`, points
 * SSH at `machine` and a fresh work root (plus any `config` lines), and the env that uses it.
 */
export function directHome(
  machine: LocalCloudMachine,
  options: { provider: string; owner: string; config?: string[]; env: Record<string, string> },
): { home: string; env: Record<string, string> } {
  const home = mkdtempSync(join(tmpdir(), "crabbox-direct-home-"));
  const configDir = join(home, "config");
  mkdirSync(configDir);
  writeFileSync(
    join(configDir, "config.yaml"),
    [
      `provider: ${options.provider}`,
      ...(options.config ?? []),
      "ssh:",
      `  port: ${machine.port}`,
      "  fallbackPorts: []",
      `workRoot: ${mkdtempSync(join(tmpdir(), "crabbox-direct-work-"))}`,
      "",
    ].join("\n"),
  );
  const env = {
    HOME: home,
    CRABBOX_CONFIG_DIR: configDir,
    CRABBOX_STATE_DIR: join(home, "state"),
    CRABBOX_OWNER: options.owner,
    ...options.env,
    PATH: process.env.PATH ?? "",
  };
  return { home, env };
}
