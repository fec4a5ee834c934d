import { describe, expect, it } from "vitest";
import { LeaseRequest } from "../../src/api/leases";
import { canonicalJson, fingerprint } from "../../src/events/fingerprint";
import { leaseRequestFingerprint, normalizeLeaseRequest } from "../../src/worker/fleet/leases/request";

/** A well-formed key: the schema checks the key data. */
const testPublicKey =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl test@crabbox";
const owner = { owner: "alice", org: "acme" };
const env = { CRABBOX_DEFAULT_PROVIDER: "local" };

function leaseFingerprint(body: Record<string, unknown>): Promise<string> {
  return leaseRequestFingerprint(normalizeLeaseRequest(LeaseRequest.parse(body), env), owner);
}

describe("the one canonical JSON behind every fingerprint", () => {
  it("serialises an array hole or undefined element as null, exactly like JSON.stringify", () => {
    expect(canonicalJson([undefined, 1])).toBe(JSON.stringify([undefined, 1]));
    expect(canonicalJson({ list: [undefined] })).toBe('{"list":[null]}');
    expect(canonicalJson(undefined)).toBe("null");
  });

  it("gives equal requests in another key order, or with undefined fields, the same fingerprint", async () => {
    const a = { sshPublicKey: testPublicKey, ttlSeconds: 600, class: "standard" };
    const b = { class: "standard", keep: undefined, ttlSeconds: 600, sshPublicKey: testPublicKey };
    expect(await fingerprint(a)).toBe(await fingerprint(b));
    expect(await leaseFingerprint(a)).toBe(await leaseFingerprint(b));
  });

  it("gives a different lease request a different fingerprint", async () => {
    const a = { sshPublicKey: testPublicKey, ttlSeconds: 600 };
    expect(await leaseFingerprint(a)).not.toBe(await leaseFingerprint({ ...a, ttlSeconds: 601 }));
  });
});
