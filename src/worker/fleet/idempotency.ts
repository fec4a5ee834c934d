import { fingerprint } from "../../events/fingerprint";
import type { Caller } from "./rpc";

/**
 * `Idempotency-Key` on POSTs other than lease create: the key is scoped to the caller, and
 * bound to a fingerprint of the route, its target and the body. The store remembers the
 * response built from the command's outcome; a retry gets exactly that back, a different body
 * under the same key is `422 idempotency_key_reused`.
 */
export interface Dedupe {
  dedupeKey: string;
  fingerprint: string;
}

export async function dedupeFor(
  caller: Caller,
  route: string,
  target: string,
  body: unknown,
): Promise<Dedupe | undefined> {
  const key = caller.idempotencyKey;
  if (!key) return undefined;
  const { owner, org } = caller.identity;
  return {
    dedupeKey: `idem:${owner}:${org}:${key}`,
    fingerprint: await fingerprint({ route, target, body }),
  };
}
