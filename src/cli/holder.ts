/**
 * The SSH connection holder process (docs/sync.md#ssh-connection-holder), started detached by
 * the CLI after a warm run or warmup of a held lease. Its one argument is a JSON description of
 * the machine (no secrets); it reads the lease's key from the key store as the CLI does, keeps
 * one SSH connection open and serves it on `<state dir>/ssh/<lease id>.sock` until the
 * connection closes, the lease expires or is stopped, or no client came for the idle period.
 */
import { readLeaseKey } from "./keys/store";
import { connectSsh } from "./ssh/connect";
import { connectHolder } from "./ssh/holder/client";
import { ensureHolderDir, HOLDER_IDLE_MS, holderSocketPath } from "./ssh/holder/protocol";
import { serveHolder } from "./ssh/holder/server";
import type { HolderSpec } from "./ssh/holder/spawn";

async function main(): Promise<number> {
  const spec = JSON.parse(process.argv[2] ?? "{}") as HolderSpec;
  const env = process.env;
  const key = readLeaseKey(env, spec.leaseID);
  if (!key || !(spec.expiresAtMs > Date.now())) return 1;
  ensureHolderDir(env, true);
  const socketPath = holderSocketPath(env, spec.leaseID);
  const identity = { leaseID: spec.leaseID, host: spec.host, port: spec.port, username: spec.username };
  const probe = () =>
    connectHolder(env, {
      ...identity,
      knownHostsPath: key.knownHostsPath,
      hostKeyAlias: spec.hostKeyAlias,
      windows: spec.os === "windows",
      direct: () => Promise.reject(new Error("unused")),
    });
  // Another holder already answers for this lease: leave it be.
  const other = await probe();
  if (other) {
    other.close();
    return 0;
  }
  let session: Awaited<ReturnType<typeof connectSsh>> | undefined;
  for (const name of ["SIGTERM", "SIGHUP", "SIGINT"] as const) {
    // closing the session ends serveHolder, which removes its socket; then main exits
    process.on(name, () => (session ? session.close() : process.exit(0)));
  }
  session = await connectSsh({
    host: spec.host,
    port: spec.port,
    username: spec.username,
    privateKey: key.privateKey,
    hostKeyPolicy: "pin",
    knownHostsPath: key.knownHostsPath,
    hostKeyAlias: spec.hostKeyAlias,
    timeoutMs: 15_000,
    ...(spec.os === undefined ? {} : { os: spec.os }),
  });
  const idle = Number(env.CRABBOX_HOLD_IDLE_MS);
  await serveHolder(session, {
    identity,
    socketPath,
    idleMs: Number.isFinite(idle) && idle > 0 ? idle : HOLDER_IDLE_MS,
    expiresAtMs: spec.expiresAtMs,
    isStale: async () => {
      const answering = await probe();
      answering?.close();
      return answering === undefined;
    },
  });
  return 0;
}

main().then(
  (code) => process.exit(code),
  () => process.exit(1),
);
