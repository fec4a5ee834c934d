/**
 * Direct leases keep their lifetime in the machine's own labels, since there is no coordinator
 * to remember it: every touch refreshes `last_touched_at` and re-derives `expires_at` from the
 * stored TTL and idle timeout, so a machine whose CLI vanished expires on its own schedule and
 * `crabbox cleanup` can prove it from the cloud side alone.
 */
import { expiresAtMs, sanitizeLabelValue } from "../../providers/labels";

/** Unix seconds or RFC 3339 (older machines), as milliseconds; undefined when unreadable. */
export function labelTimeMs(value: string | undefined): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // Labels cannot hold ':', so RFC 3339 values were sanitised to '_'; restore them for parsing.
  const restored = value.replace(/^(\d{4}-\d{2}-\d{2}T\d{2})_(\d{2})_(\d{2})/, "$1:$2:$3");
  const ms = Date.parse(restored);
  return Number.isFinite(ms) ? ms : undefined;
}

function seconds(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

export interface TouchDefaults {
  ttlSeconds: number;
  idleTimeoutSeconds: number;
}

/** A new label set for a touch at `nowMs`, optionally moving the machine to `state`. */
export function touchLabels(
  labels: Record<string, string>,
  nowMs: number,
  defaults: TouchDefaults,
  state?: string,
): Record<string, string> {
  const createdAt = labelTimeMs(labels.created_at) ?? nowMs;
  const ttl = seconds(labels.ttl_secs, defaults.ttlSeconds);
  const idle = seconds(labels.idle_timeout_secs, defaults.idleTimeoutSeconds);
  const next: Record<string, string> = {
    ...labels,
    last_touched_at: String(Math.floor(nowMs / 1000)),
    expires_at: String(Math.floor(expiresAtMs(createdAt, nowMs, ttl, idle) / 1000)),
  };
  if (state) next.state = sanitizeLabelValue(state);
  return next;
}
