import { labelTimeMs } from "../direct/labels";
import type { DirectLeaseRecord } from "../direct/records";
import { type LeaseLineFields, leaseLine } from "./lease-view";

/**
 * A direct lease as `list` and `status` show it. Built from the local record and the labels
 * it last wrote, since no coordinator remembers the lease; the key stays out of it.
 */
export type DirectLeaseView = LeaseLineFields &
  Pick<
    DirectLeaseRecord,
    | "target"
    | "serverType"
    | "host"
    | "sshUser"
    | "sshPort"
    | "sshFallbackPorts"
    | "workRoot"
    | "cloudID"
    | "name"
    | "region"
    | "keep"
    | "createdAt"
  > & { direct: true; ttlSeconds?: number };

function isoFromLabel(value: string | undefined): string {
  const ms = labelTimeMs(value);
  return ms === undefined ? "" : new Date(ms).toISOString();
}

function secondsFromLabel(value: string | undefined): number | undefined {
  const n = Number(value);
  return value && Number.isInteger(n) && n > 0 ? n : undefined;
}

export function directLeaseView(record: DirectLeaseRecord, now = Date.now()): DirectLeaseView {
  const labels = record.labels ?? {};
  const expiresMs = labelTimeMs(labels.expires_at);
  return {
    id: record.leaseID,
    slug: record.slug,
    provider: record.provider,
    direct: true,
    // The record stays until `stop`, so a kept lease can outlive its labels' expiry; its
    // machine is then `crabbox cleanup`'s to delete, and the user should see that.
    state: expiresMs !== undefined && expiresMs <= now ? "expired" : (labels.state ?? "leased"),
    target: record.target,
    serverType: record.serverType,
    host: record.host,
    sshUser: record.sshUser,
    sshPort: record.sshPort,
    sshFallbackPorts: record.sshFallbackPorts,
    workRoot: record.workRoot,
    cloudID: record.cloudID,
    name: record.name,
    ...(record.region ? { region: record.region } : {}),
    keep: record.keep,
    createdAt: record.createdAt,
    lastTouchedAt: isoFromLabel(labels.last_touched_at),
    ttlSeconds: secondsFromLabel(labels.ttl_secs),
    idleTimeoutSeconds: secondsFromLabel(labels.idle_timeout_secs),
    expiresAt: isoFromLabel(labels.expires_at),
  };
}

/** A `leaseLine` marked `direct=true`, so direct leases stand apart from the coordinator's. */
export function directLeaseLine(view: DirectLeaseView, extra: Record<string, unknown> = {}): string {
  return leaseLine(view, { direct: true, ...extra });
}
