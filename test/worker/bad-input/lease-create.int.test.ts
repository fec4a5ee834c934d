/**
 * Client mistakes in `POST /v1/leases` that only the provider (or the catalogue) used to notice:
 * each is a 400 naming the field, and nothing is appended to the log (docs/api.md, "Bounds").
 */
import { describe, expect, it } from "vitest";
import {
  api,
  freshFleet,
  leaseRequest,
  sshPublicKey,
  uniqueLeaseId,
  uniqueOwner,
} from "../../support/fleet-api";

async function logHead(): Promise<number> {
  const res = await api("admin", "GET", "/v1/admin/events?after=0&limit=500");
  expect(res.status, res.text).toBe(200);
  let last = 0;
  let page = res.body;
  for (;;) {
    for (const event of page.events) last = Math.max(last, event.seq);
    if (page.next === undefined) return last;
    page = (await api("admin", "GET", `/v1/admin/events?after=${page.next}&limit=500`)).body;
  }
}

const mb = "x".repeat(900 * 1024);

const cases: Array<[string, Record<string, unknown>, string, string?]> = [
  ["a fractional ttlSeconds", { ttlSeconds: 0.5 }, "ttlSeconds"],
  ["a fractional idleTimeoutSeconds", { idleTimeoutSeconds: 0.5 }, "idleTimeoutSeconds"],
  ["a key that is not a key", { sshPublicKey: "not-a-key" }, "sshPublicKey"],
  ["a key with a NUL byte", { sshPublicKey: `${sshPublicKey}\u0000` }, "sshPublicKey"],
  [
    "a key of an unknown type",
    { sshPublicKey: sshPublicKey.replace("ssh-ed25519", "ssh-dss") },
    "sshPublicKey",
  ],
  [
    "a key whose data names another type",
    { sshPublicKey: sshPublicKey.replace("ssh-ed25519", "ssh-rsa") },
    "sshPublicKey",
  ],
  [
    "a truncated ed25519 key",
    { sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE crabbox" },
    "sshPublicKey",
  ],
  ["a key of 900 KB", { sshPublicKey: `${sshPublicKey} ${mb}` }, "sshPublicKey"],
  ["a serverType of 900 KB", { serverType: mb }, "serverType"],
  ["a class of 900 KB", { class: mb }, "class"],
  ["a class with a control character", { class: "beast\u0007" }, "class"],
  ["a slug of 200 characters", { slug: "s".repeat(200) }, "slug"],
  [
    "100 regions",
    { capacity: { regions: Array.from({ length: 100 }, (_, i) => `r${i}`) } },
    "capacity.regions",
  ],
  ["target windows on the local provider", { target: "windows" }, "target", "unsupported"],
];

describe("a lease create with a client mistake", () => {
  for (const [name, extra, field, code] of cases) {
    it(`answers 400 naming ${field} for ${name}, and appends nothing`, async () => {
      freshFleet();
      const before = await logHead();
      const res = await api(
        uniqueOwner(),
        "POST",
        "/v1/leases",
        leaseRequest({ leaseID: uniqueLeaseId(), ...extra }),
      );
      expect(res.status, res.text.slice(0, 300)).toBe(400);
      expect(res.body).toMatchObject({ error: code ?? "invalid_request", field });
      expect(res.text.length).toBeLessThan(2048);
      expect(await logHead()).toBe(before);
    });
  }

  it("still accepts a well-formed request", async () => {
    freshFleet();
    const res = await api(uniqueOwner(), "POST", "/v1/leases", leaseRequest({ ttlSeconds: 600 }));
    expect(res.status, res.text).toBe(201);
  });
});
