import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { normalizeSlug } from "../../domain/ids";
import { CrabboxError } from "../../errors";
import { type ResolvedConfig, userConfigDir } from "../config";
import { type MachineConnection, staticReadyCommand, waitReady } from "../run/connection";
import { RECONNECT_TIMEOUT_MS, STATIC_READY_TIMEOUT_MS } from "./timeouts";
import type { AcquireOptions, ActiveTarget, Env } from "./types";

function expandHome(path: string, env: Env): string {
  return path.startsWith("~/") ? join(env.HOME || homedir(), path.slice(2)) : path;
}

/**
 * `provider: ssh` — an existing machine from config, reached directly: never brokered,
 * never provisioned, never deleted. It uses the configured key (not a per-lease one).
 */
export function staticConnection(config: ResolvedConfig, env: Env): MachineConnection {
  const s = config.static;
  if (!s.host) {
    throw new CrabboxError(
      "config",
      "provider ssh needs static.host in crabbox.yaml (or CRABBOX_STATIC_HOST)",
      {
        field: "static.host",
      },
    );
  }
  const keyPath = expandHome(s.key || join(env.HOME || homedir(), ".ssh", "id_ed25519"), env);
  if (!existsSync(keyPath)) {
    throw new CrabboxError(
      "config",
      `static host key ${keyPath} does not exist; set static.key (or ssh.key) to a private key file`,
      {
        field: "static.key",
      },
    );
  }
  const slug = normalizeSlug(s.name || s.host);
  const leaseID = s.id || `static_${normalizeSlug(s.host).replace(/-/g, "_")}`;
  return {
    leaseID,
    slug,
    provider: "ssh",
    host: s.host,
    user: s.user,
    ports: [s.port],
    workRoot: s.workRoot,
    target: config.target,
    privateKey: readFileSync(keyPath, "utf8"),
    privateKeyPath: keyPath,
    knownHostsPath: join(userConfigDir(env), "known_hosts"),
    hostKeyAlias: s.port === 22 ? s.host : `[${s.host}]:${s.port}`,
    readyCommand: staticReadyCommand,
  };
}

/** Waits for the static host over SSH. Nothing is leased, so `finish` only closes the session. */
export async function acquireStaticHost(options: AcquireOptions): Promise<ActiveTarget> {
  const { config, env, signal, progress } = options;
  const connection = staticConnection(config, env);
  progress.info(
    `using static host ${connection.user}@${connection.host}:${connection.ports[0]} (never created or deleted by crabbox)`,
  );
  progress.phase("waiting for ssh", connection.host);
  const session = await waitReady(connection, {
    timeoutMs: options.readyTimeoutMs ?? STATIC_READY_TIMEOUT_MS,
    signal,
    phase: "ready-check",
    onWaiting: (m) => progress.info(m),
  });
  const active: ActiveTarget = {
    connection,
    session,
    acquired: false,
    async reconnect() {
      active.session.close();
      active.session = await waitReady(connection, {
        timeoutMs: RECONNECT_TIMEOUT_MS,
        signal,
        phase: "reconnect",
      });
      return active.session;
    },
    async finish() {
      active.session.close();
    },
  };
  return active;
}
