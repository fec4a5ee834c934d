import type { LeaseRecord } from "../../api";
import { formatDuration } from "../config";
import { kv } from "../output/print";

/** What a lease line shows: a coordinator's lease has it all, a direct record as far as its labels say. */
export interface LeaseLineFields {
  id: string;
  slug: string;
  provider: string;
  state: string;
  serverType?: string;
  host?: string;
  lastTouchedAt: string;
  idleTimeoutSeconds?: number;
  expiresAt: string;
}

export function idleFor(lease: Pick<LeaseLineFields, "lastTouchedAt">, now = Date.now()): string {
  const touched = Date.parse(lease.lastTouchedAt);
  return Number.isFinite(touched) ? formatDuration(Math.max(0, now - touched)) : "-";
}

/** One line per lease, `key=value` after the id, for status and list. */
export function leaseLine(lease: LeaseLineFields, extra: Record<string, unknown> = {}): string {
  return `${lease.id} ${kv({
    slug: lease.slug,
    provider: lease.provider,
    state: lease.state,
    type: lease.serverType,
    host: lease.host,
    ...extra,
    idle_for: idleFor(lease),
    idle_timeout:
      lease.idleTimeoutSeconds === undefined ? undefined : formatDuration(lease.idleTimeoutSeconds * 1000),
    expires: lease.expiresAt,
  })}`;
}

export function telemetryLine(lease: LeaseRecord): string | undefined {
  const t = lease.telemetry;
  if (!t) return undefined;
  const gib = (n?: number) => (n === undefined ? "-" : `${(n / 1024 ** 3).toFixed(1)}G`);
  return `  ${kv({
    load: t.load1 !== undefined ? `${t.load1}/${t.load5 ?? "-"}/${t.load15 ?? "-"}` : undefined,
    mem: `${gib(t.memoryUsedBytes)}/${gib(t.memoryTotalBytes)}`,
    disk: `${gib(t.diskUsedBytes)}/${gib(t.diskTotalBytes)}`,
    uptime: t.uptimeSeconds !== undefined ? formatDuration(t.uptimeSeconds * 1000) : undefined,
    telemetry: t.capturedAt,
  })}`;
}
