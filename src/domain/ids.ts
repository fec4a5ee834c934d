/**
 * Identifiers and slugs, byte-compatible with the reference CLI (its golden values hold).
 * Pure: randomness is passed in so deciders and tests stay deterministic.
 */
import { hex } from "./hex";
export const leaseIdPattern = /^cbx_[a-f0-9]{12}$/;

const adjectives = [
  "amber",
  "blue",
  "brisk",
  "coral",
  "crimson",
  "golden",
  "harbor",
  "jade",
  "pearl",
  "quick",
  "silver",
  "swift",
  "tidal",
  "violet",
] as const;
const nouns = ["barnacle", "crab", "crayfish", "hermit", "krill", "lobster", "prawn", "shrimp"] as const;

/** 32-bit FNV-1a over UTF-16 code units, unsigned. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

export function randomHex(bytes: number, random: (n: number) => Uint8Array = secureRandomBytes): string {
  return hex(random(bytes));
}

function secureRandomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

export function newLeaseId(random?: (n: number) => Uint8Array): string {
  return `cbx_${randomHex(6, random)}`;
}

export function newRunId(random?: (n: number) => Uint8Array): string {
  return `run_${randomHex(6, random)}`;
}

export function isLeaseId(value: string): boolean {
  return leaseIdPattern.test(value);
}

export function slugForLeaseId(leaseID: string): string {
  const h = fnv1a32(leaseID);
  return `${adjectives[h % adjectives.length]}-${nouns[Math.floor(h / adjectives.length) % nouns.length]}`;
}

/** Lowercase, `[a-z0-9]` kept, every other run of characters becomes one `-`, no edge dashes. */
export function normalizeSlug(raw: string): string {
  return raw
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

export function slugWithCollisionSuffix(base: string, seed: string): string {
  const suffix = (fnv1a32(seed) & 0xffff).toString(16).padStart(4, "0");
  return `${normalizeSlug(base)}-${suffix}`;
}

/** Cloud resource name: `crabbox-<slug>-<fnv(leaseID) as 8 hex>`. */
export function providerMachineName(leaseID: string, slug: string): string {
  const normalized = normalizeSlug(slug);
  if (!normalized) return `crabbox-${leaseID.replace(/_/g, "-")}`;
  return `crabbox-${normalized}-${fnv1a32(leaseID).toString(16).padStart(8, "0")}`;
}

/** Per-lease provider SSH key name; only names of exactly this shape are ever auto-deleted. */
export function providerKeyForLease(leaseID: string): string {
  return `crabbox-${leaseID.replace(/_/g, "-")}`;
}

export const deletableProviderKeyPattern = /^crabbox-cbx-[a-f0-9]{12}$/;
