/** Starts a lease's SSH connection holder, detached (docs/sync.md#ssh-connection-holder). */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { HolderIdentity } from "./protocol";

/** The holder's argument: where the machine is, never a key or token. */
export interface HolderSpec extends HolderIdentity {
  hostKeyAlias: string;
  expiresAtMs: number;
  os?: "linux" | "macos" | "windows";
}

/**
 * The built holder (dist/cli/holder.js): beside the entry or above the chunk this code is in,
 * or, running from the sources (tests, CRABBOX_FROM_SOURCE), the checkout's build.
 */
function holderScript(): string | undefined {
  for (const candidate of ["./holder.js", "../holder.js", "../../../../dist/cli/holder.js"]) {
    const path = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(path)) return path;
  }
  return undefined;
}

/**
 * Only what names the key store and the holder's directory, from the CLI's environment (not
 * the process's: tests run the CLI in-process): no coordinator token or cloud credential
 * reaches the holder's environment.
 */
const PASSED = [
  "HOME",
  "PATH",
  "XDG_CONFIG_HOME",
  "XDG_STATE_HOME",
  "CRABBOX_CONFIG_DIR",
  "CRABBOX_STATE_DIR",
  "CRABBOX_HOLD_IDLE_MS",
];

function holderEnv(env: Record<string, string | undefined>): Record<string, string> {
  const passed: Record<string, string> = {};
  for (const name of PASSED) {
    const value = env[name] ?? (name === "HOME" || name === "PATH" ? process.env[name] : undefined);
    if (value !== undefined) passed[name] = value;
  }
  return passed;
}

/** Starts the holder and returns at once; the CLI never waits for it. False when there is no built holder. */
export function startHolder(spec: HolderSpec, env: Record<string, string | undefined>): boolean {
  const script = holderScript();
  if (!script) return false;
  const child = spawn(process.execPath, [script, JSON.stringify(spec)], {
    detached: true,
    stdio: "ignore",
    env: holderEnv(env),
  });
  child.on("error", () => {});
  child.unref();
  return true;
}
