import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** What the host remembers about a machine across restarts (`<machine>/machine.json`). */
export interface StoredMachine {
  id: string;
  name: string;
  labels: Record<string, string>;
  sshPublicKey: string;
  serverType: string;
  /** The port its SSH server last listened on; reused after a host restart when free. */
  sshPort: number;
  /** ISO 8601. */
  createdAt: string;
  bootstrapped: boolean;
}

/** The on-disk layout of one machine under `<state>/machines/<id>/`. */
export function machineLayout(machinesDir: string, id: string) {
  const root = join(machinesDir, id);
  return {
    root,
    record: join(root, "machine.json"),
    hostKey: join(root, "host_key"),
    home: join(root, "home"),
    work: join(root, "work"),
    bin: join(root, "bin"),
    readyMarker: join(root, "bootstrapped"),
    readyCommand: join(root, "bin", "crabbox-ready"),
  };
}

/** Writes through a temporary file and a rename, so a crash never leaves half a file. */
export async function writeFileAtomic(path: string, content: string, mode = 0o600): Promise<void> {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, content, { mode });
  await rename(tmp, path);
}

export async function saveMachine(machinesDir: string, machine: StoredMachine): Promise<void> {
  await writeFileAtomic(
    machineLayout(machinesDir, machine.id).record,
    `${JSON.stringify(machine, null, 2)}\n`,
  );
}

/** Every machine record on disk; unreadable leftovers (a crash mid-create) are removed. */
export async function loadMachines(machinesDir: string): Promise<StoredMachine[]> {
  await mkdir(machinesDir, { recursive: true, mode: 0o700 });
  const machines: StoredMachine[] = [];
  for (const entry of await readdir(machinesDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const layout = machineLayout(machinesDir, entry.name);
    try {
      const stored = JSON.parse(await readFile(layout.record, "utf8")) as StoredMachine;
      if (stored.id === entry.name) machines.push(stored);
    } catch {
      await rm(layout.root, { recursive: true, force: true });
    }
  }
  return machines.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}
