/**
 * How long each source waits for SSH. One copy of each bound, shared by every source.
 */

/** A machine this command created: the bootstrap (cloud-init, Windows setup) must finish. */
export const BOOTSTRAP_TIMEOUT_MS = 20 * 60_000;

/** A lease reused with `--id`: it was ready before, so only the SSH handshake is awaited. */
export const REUSED_READY_TIMEOUT_MS = 2 * 60_000;

/** A static host is never bootstrapped by crabbox: it answers within a minute or is down. */
export const STATIC_READY_TIMEOUT_MS = 60_000;

/**
 * Reconnecting after a connection dropped mid-sync. The static host used 60 s and leases 2 min;
 * the longer one holds for all: the machine was ready moments before, so the wait is for a
 * network blip or a restarting sshd (a Windows sshd restart alone can pass a minute), and
 * giving up fails the whole run while waiting longer costs only time on a path already in
 * trouble. The sync code that asks for it does not know the source, so the bound is one.
 */
export const RECONNECT_TIMEOUT_MS = 2 * 60_000;
