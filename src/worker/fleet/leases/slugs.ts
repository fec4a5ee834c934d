import { normalizeSlug, slugForLeaseId, slugWithCollisionSuffix } from "../../../domain/ids";
import { CrabboxError } from "../../../errors";

/**
 * Slug allocation (docs/api.md#lease-create). A slug collides only with a live lease of the same owner
 * and org; different owners may hold the same slug. Requested slugs are capped so that the
 * provider machine name (`crabbox-<slug>-<8 hex>`) stays within 63 characters even with a
 * collision suffix.
 */

export const maxRequestedSlugLength = 41;
const collisionAttempts = 20;

export function requestedSlugBase(requested: string | undefined, leaseID: string): string {
  if (requested === undefined || requested.trim() === "") return slugForLeaseId(leaseID);
  const normalized = normalizeSlug(requested);
  if (!normalized) {
    throw new CrabboxError("invalid_request", "slug must contain at least one letter or digit", {
      field: "slug",
    });
  }
  if (normalized.length > maxRequestedSlugLength) {
    throw new CrabboxError("invalid_request", `slug must be at most ${maxRequestedSlugLength} characters`, {
      field: "slug",
    });
  }
  return normalized;
}

/** `taken(slug)` answers whether a live lease of the same owner+org already holds the slug. */
export function allocateSlug(base: string, leaseID: string, taken: (slug: string) => boolean): string {
  if (!taken(base)) return base;
  for (let attempt = 0; attempt < collisionAttempts; attempt++) {
    const candidate = slugWithCollisionSuffix(base, `${leaseID}-${attempt}`);
    if (!taken(candidate)) return candidate;
  }
  throw new CrabboxError("slug_conflict", `could not allocate a slug for ${leaseID}`);
}
