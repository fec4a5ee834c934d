/**
 * The lease's Hetzner SSH key `crabbox-cbx-<12hex>`: created with the lease's labels, reused
 * only when the key material matches, deleted only when its labels name the lease.
 */
import { deletableProviderKeyPattern, providerKeyForLease } from "../../domain/ids";
import { CrabboxError } from "../../errors";
import type { MachineSpec } from "../provider";
import { type HetznerApi, HetznerApiError, type HetznerSSHKey } from "./api";

export interface LeaseKey {
  name: string;
}

export async function ensureLeaseKey(
  api: HetznerApi,
  spec: MachineSpec,
  signal?: AbortSignal,
): Promise<LeaseKey> {
  const name = providerKeyForLease(spec.leaseID);
  const wanted = keyMaterial(spec.sshPublicKey);
  const existing = await keyNamed(api, name, signal);
  if (existing) return adoptKey(existing, wanted);
  try {
    const created = await api.call<{ ssh_key: HetznerSSHKey }>(
      "POST",
      "/ssh_keys",
      {
        name,
        public_key: spec.sshPublicKey.trim(),
        labels: { crabbox: "true", created_by: "crabbox", lease: spec.leaseID },
      },
      signal,
    );
    return { name: created.ssh_key.name };
  } catch (error) {
    if (!(error instanceof HetznerApiError && error.code === "uniqueness_error")) throw error;
    // A retried POST whose first attempt landed: the key now exists under our name.
    const landed = await keyNamed(api, name, signal);
    if (landed) return adoptKey(landed, wanted);
    // Hetzner keeps key material unique per project: the same key may already be there
    // under another name. Use it; it is not ours, so it is never deleted.
    const keys = await api.all<HetznerSSHKey>("/ssh_keys", "ssh_keys", signal);
    const same = keys.find((k) => keyMaterial(k.public_key) === wanted);
    if (same) return { name: same.name };
    throw error;
  }
}

/** Only a key named for this lease and labelled with it is ours to delete. */
export async function deleteLeaseKey(api: HetznerApi, leaseID: string): Promise<void> {
  const name = providerKeyForLease(leaseID);
  if (!deletableProviderKeyPattern.test(name)) return;
  const key = await keyNamed(api, name);
  if (!key || key.labels.lease !== leaseID) return;
  try {
    await api.call("DELETE", `/ssh_keys/${key.id}`);
  } catch (error) {
    if (!(error instanceof HetznerApiError && error.status === 404)) throw error;
  }
}

function adoptKey(key: HetznerSSHKey, wanted: string): LeaseKey {
  if (keyMaterial(key.public_key) !== wanted) {
    throw new CrabboxError(
      "provider_error",
      `Hetzner SSH key ${key.name} exists with a different public key`,
    );
  }
  return { name: key.name };
}

async function keyNamed(
  api: HetznerApi,
  name: string,
  signal?: AbortSignal,
): Promise<HetznerSSHKey | undefined> {
  const body = await api.call<{ ssh_keys: HetznerSSHKey[] }>(
    "GET",
    `/ssh_keys?name=${encodeURIComponent(name)}`,
    undefined,
    signal,
  );
  return body.ssh_keys.find((k) => k.name === name);
}

function keyMaterial(publicKey: string): string {
  return publicKey.trim().split(/\s+/).slice(0, 2).join(" ");
}
