/**
 * The crabbox labels every cloud resource carries, so that an operator (and the orphan
 * sweep) can tell from the cloud side which lease a machine belongs to and when it expires.
 * Values fit Hetzner's label rules, the strictest of the clouds; AWS tags and Azure tags
 * reuse them unchanged.
 */
import { leaseExpiresAt } from "../domain/expiry";

export function sanitizeLabelValue(raw: string): string {
  const cleaned = raw
    .trim()
    .replace(/[^A-Za-z0-9_.-]/g, "_")
    .slice(0, 63)
    .replace(/^[_.-]+|[_.-]+$/g, "");
  return cleaned || "unknown";
}

export interface LabelInput {
  leaseID: string;
  slug: string;
  owner: string;
  provider: string;
  target: string;
  windowsMode?: string;
  class: string;
  serverType: string;
  profile: string;
  providerKey: string;
  keep: boolean;
  market?: string;
  /** Unix milliseconds. */
  createdAt: number;
  lastTouchedAt?: number;
  ttlSeconds: number;
  idleTimeoutSeconds: number;
}

/** The lease expiry formula, under the name the label writers use. */
export const expiresAtMs = leaseExpiresAt;

export function crabboxLabels(input: LabelInput): Record<string, string> {
  const touched = input.lastTouchedAt ?? input.createdAt;
  const unix = (ms: number) => String(Math.floor(ms / 1000));
  const labels: Record<string, string> = {
    crabbox: "true",
    created_by: "crabbox",
    lease: input.leaseID,
    slug: input.slug,
    owner: input.owner,
    provider: input.provider,
    target: input.target,
    class: input.class,
    server_type: input.serverType,
    profile: input.profile,
    provider_key: input.providerKey,
    keep: String(input.keep),
    state: "leased",
    created_at: unix(input.createdAt),
    last_touched_at: unix(touched),
    ttl_secs: String(input.ttlSeconds),
    idle_timeout_secs: String(input.idleTimeoutSeconds),
    expires_at: unix(expiresAtMs(input.createdAt, touched, input.ttlSeconds, input.idleTimeoutSeconds)),
  };
  if (input.windowsMode) labels.windows_mode = input.windowsMode;
  if (input.market) labels.market = input.market;
  return Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, sanitizeLabelValue(v)]));
}

/** A resource is a crabbox machine only if its labels say so; nothing else is ever deleted by a sweep. */
export function isCrabboxLabelled(labels: Record<string, string>): boolean {
  return (
    labels.crabbox === "true" &&
    labels.created_by === "crabbox" &&
    /^cbx_[a-f0-9]{12}$/.test(labels.lease ?? "")
  );
}
