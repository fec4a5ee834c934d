import { beforeEach, describe, expect, inject, it } from "vitest";
import { api, createLease, freshFleet, later, uniqueOwner } from "../../support/fleet-api";

const receiverUrl = inject("webhookReceiverUrl");

beforeEach(() => {
  freshFleet({
    CRABBOX_WEBHOOK_ALLOW_PRIVATE: "1",
    CRABBOX_WEBHOOK_RETRY_BASE_MS: "1000",
    CRABBOX_WEBHOOK_POLL_MS: "1000",
  });
});

interface Received {
  id: string;
  body: string;
  verified: boolean;
  answered: number;
}

let receivers = 0;
/** A fresh receiver name, configured with the secret and how many deliveries to fail first. */
async function receiver(secret: string, failFirst = 0, name = `r${++receivers}-${Math.random()}`) {
  await fetch(`${receiverUrl}/_control/${name}`, {
    method: "POST",
    body: JSON.stringify({ secret, failFirst }),
  });
  return name;
}

async function received(name: string): Promise<Received[]> {
  return ((await (await fetch(`${receiverUrl}/_control/${name}`)).json()) as { received: Received[] })
    .received;
}

/** Runs the alarm (moving the Fleet's clock by 2 s) until `done` holds, at most 30 times. */
async function deliverUntil(name: string, done: (got: Received[]) => boolean): Promise<Received[]> {
  for (let i = 0; i < 30; i++) {
    await later(2_000);
    const got = await received(name);
    if (done(got)) return got;
  }
  throw new Error(
    `receiver ${name} never saw what the test waited for: ${JSON.stringify(await received(name))}`,
  );
}

async function register(name: string, eventTypes: string[]) {
  const res = await api("admin", "POST", "/v1/admin/webhooks", {
    url: `${receiverUrl}/hook/${name}`,
    eventTypes,
  });
  expect(res.status, res.text).toBe(201);
  return res.body as { webhook: { id: string }; secret: string };
}

const typeOf = (r: Received) => JSON.parse(r.body).type as string;

describe("signed webhooks", () => {
  it("deliver the wanted events of a lease in log order, signed, and never show the secret again", async () => {
    const name = `ok-${Math.random()}`;
    const { webhook, secret } = await register(name, ["LeaseRequested", "MachineProvisioned", "Released"]);
    await receiver(secret, 0, name);
    const who = uniqueOwner();
    const lease = await createLease(who);
    await api(who, "POST", `/v1/leases/${lease.id}/heartbeat`, {});
    await api(who, "POST", `/v1/leases/${lease.id}/release`, {});

    const got = await deliverUntil(name, (r) => r.filter((x) => x.verified).length >= 3);
    expect(got.every((r) => r.verified && r.answered === 204)).toBe(true);
    expect(got.map(typeOf)).toEqual(["LeaseRequested", "MachineProvisioned", "Released"]);
    const first = JSON.parse(got[0]?.body ?? "{}");
    expect(first.data.event).toMatchObject({
      stream: `lease:${lease.id}`,
      type: "LeaseRequested",
      version: 1,
    });
    expect(got[0]?.id).toBe(`msg_${first.data.event.id}`);

    const detail = await api("admin", "GET", `/v1/admin/webhooks/${webhook.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.webhook.deliveries).toEqual({ pending: 0, delivered: 3, failed: 0 });
    expect(detail.body.deliveries[0]).toMatchObject({ state: "delivered", attempts: 1, lastStatus: 204 });
    const listed = await api("admin", "GET", "/v1/admin/webhooks");
    expect(listed.body.webhooks.map((w: { id: string }) => w.id)).toContain(webhook.id);
    const log = await api("admin", "GET", "/v1/admin/events?limit=500");
    for (const text of [detail.text, listed.text, log.text]) expect(text).not.toContain(secret.slice(6));
  });

  it("retry a failing receiver with backoff, holding the stream's later events until it recovers", async () => {
    const name = `flaky-${Math.random()}`;
    const { webhook, secret } = await register(name, ["LeaseRequested", "MachineProvisioned"]);
    await receiver(secret, 2, name);
    const lease = await createLease(uniqueOwner());

    const got = await deliverUntil(name, (r) => r.filter((x) => x.answered === 204).length >= 2);
    // Two 503s for the first event (same webhook-id each time), then both events in order.
    expect(got.map((r) => [typeOf(r), r.answered])).toEqual([
      ["LeaseRequested", 503],
      ["LeaseRequested", 503],
      ["LeaseRequested", 204],
      ["MachineProvisioned", 204],
    ]);
    expect(new Set(got.slice(0, 3).map((r) => r.id)).size).toBe(1);
    expect(got.every((r) => r.verified)).toBe(true);
    const detail = await api("admin", "GET", `/v1/admin/webhooks/${webhook.id}`);
    const byType = Object.fromEntries(
      detail.body.deliveries.map((d: { eventType: string }) => [d.eventType, d]),
    );
    expect(byType.LeaseRequested).toMatchObject({ state: "delivered", attempts: 3, lastStatus: 204 });
    expect(byType.MachineProvisioned).toMatchObject({ state: "delivered", attempts: 1 });
    expect(byType.LeaseRequested.stream).toBe(`lease:${lease.id}`);
  });

  it("stop delivering once deleted, and answer 404 for the deleted endpoint", async () => {
    const name = `gone-${Math.random()}`;
    const { webhook, secret } = await register(name, ["LeaseRequested"]);
    await receiver(secret, 0, name);
    const removed = await api("admin", "DELETE", `/v1/admin/webhooks/${webhook.id}`);
    expect(removed.status).toBe(200);
    expect(removed.body.deleted).toBe(true);
    expect(removed.text).not.toContain(secret.slice(6));
    await createLease(uniqueOwner());
    await later(2_000);
    await later(2_000);
    expect(await received(name)).toEqual([]);
    expect((await api("admin", "GET", `/v1/admin/webhooks/${webhook.id}`)).status).toBe(404);
  });
});

describe("webhook registration", () => {
  it("is refused to non-admins and names the field of a bad request, storing nothing", async () => {
    const who = uniqueOwner();
    expect(
      (
        await api(who, "POST", "/v1/admin/webhooks", {
          url: "https://a.example.com",
          eventTypes: ["Released"],
        })
      ).status,
    ).toBe(403);
    expect((await api(who, "GET", "/v1/admin/webhooks")).status).toBe(403);
    const before = (await api("admin", "GET", "/v1/admin/webhooks")).body.webhooks.length;
    for (const [body, field] of [
      [{ url: "https://a.example.com", eventTypes: [] }, "eventTypes"],
      [{ url: "https://a.example.com", eventTypes: ["NoSuchEvent"] }, "eventTypes[0]"],
      [{ url: "not a url", eventTypes: ["Released"] }, "url"],
    ] as const) {
      const res = await api("admin", "POST", "/v1/admin/webhooks", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.field, JSON.stringify(body)).toBe(field);
    }
    // The coordinator makes the secret; a client-chosen one is an unknown key, refused by name.
    const chosen = await api("admin", "POST", "/v1/admin/webhooks", {
      url: "https://a.example.com",
      eventTypes: ["Released"],
      secret: "mine",
    });
    expect(chosen.status).toBe(400);
    expect(chosen.body.message).toContain("secret");
    expect((await api("admin", "GET", "/v1/admin/webhooks/nope")).body.field).toBe("id");
    expect((await api("admin", "GET", "/v1/admin/webhooks")).body.webhooks.length).toBe(before);
  });

  it("refuses loopback and private addresses on a deployed coordinator", async () => {
    freshFleet(); // no CRABBOX_WEBHOOK_ALLOW_PRIVATE: as deployed
    for (const url of [
      `${receiverUrl}/hook/x`,
      "https://127.0.0.1/x",
      "https://169.254.169.254/latest",
      "https://10.0.0.8/",
    ]) {
      const res = await api("admin", "POST", "/v1/admin/webhooks", { url, eventTypes: ["Released"] });
      expect(res.status, url).toBe(400);
      expect(res.body.field).toBe("url");
    }
  });

  it("returns the same endpoint and secret to a retried create with the same Idempotency-Key", async () => {
    const body = { url: `${receiverUrl}/hook/idem`, eventTypes: ["Released"] };
    const key = { "idempotency-key": `wh-${Math.random()}` };
    const first = await api("admin", "POST", "/v1/admin/webhooks", body, key);
    const again = await api("admin", "POST", "/v1/admin/webhooks", body, key);
    expect(again.body.webhook.id).toBe(first.body.webhook.id);
    expect(again.body.secret).toBe(first.body.secret);
    const other = await api("admin", "POST", "/v1/admin/webhooks", { ...body, eventTypes: ["Expired"] }, key);
    expect(other.status).toBe(422);
    expect(other.body.error).toBe("idempotency_key_reused");
  });
});
