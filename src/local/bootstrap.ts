import { chmod, mkdir, writeFile } from "node:fs/promises";
import { machineLayout, writeFileAtomic } from "./machine-files";

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The local stand-in for cloud-init's last steps: touch the bootstrapped marker, then
 * install `crabbox-ready` in the machine's `bin` (first on its PATH), so the CLI's readiness
 * probe `command -v crabbox-ready >/dev/null 2>&1 && crabbox-ready` passes from now on and
 * not before. Like the cloud script, `crabbox-ready` re-checks what sync needs.
 */
export async function completeBootstrap(machinesDir: string, id: string): Promise<void> {
  const layout = machineLayout(machinesDir, id);
  await mkdir(layout.bin, { recursive: true });
  await writeFile(layout.readyMarker, `${new Date().toISOString()}\n`);
  const script = [
    "#!/bin/sh",
    "# Installed by the crabbox local machine host when bootstrap finished.",
    `test -f ${shellQuote(layout.readyMarker)} || exit 1`,
    `test -w ${shellQuote(layout.work)} || exit 1`,
    "command -v tar >/dev/null 2>&1 || exit 1",
    "exit 0",
    "",
  ].join("\n");
  await writeFileAtomic(layout.readyCommand, script, 0o755);
  await chmod(layout.readyCommand, 0o755);
}
