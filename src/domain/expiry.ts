/**
 * When a lease expires, in unix ms: `min(createdAt + ttl, lastTouchedAt + idle)`, so a
 * heartbeat never pushes expiry past the TTL. Durations below one second count as one second.
 * The one formula behind the lease state's `expiresAt` and the `expires_at` cloud label.
 */
export function leaseExpiresAt(
  createdAt: number,
  lastTouchedAt: number,
  ttlSeconds: number,
  idleSeconds: number,
): number {
  return Math.min(
    createdAt + Math.max(1, ttlSeconds) * 1000,
    lastTouchedAt + Math.max(1, idleSeconds) * 1000,
  );
}
