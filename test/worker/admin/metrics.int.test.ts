import parsePrometheusTextFormat, { type ParsedFamily } from "parse-prometheus-text-format";
import { beforeEach, describe, expect, it } from "vitest";
import {
  api,
  createLease,
  freshFleet,
  later,
  minuteOrphanSweep,
  uniqueLeaseId,
  uniqueOwner,
} from "../../support/fleet-api";

let fakes: ReturnType<typeof freshFleet>;
beforeEach(() => {
  fakes = freshFleet({ ...minuteOrphanSweep, CRABBOX_COST_RATES_JSON: '{"local:fake-small": 0.25}' });
});

interface Scrape {
  families: Map<string, ParsedFamily>;
  /** The value of one sample, 0 when the family has no sample with these labels. */
  value(name: string, labels?: Record<string, string>): number;
}

async function scrape(): Promise<Scrape> {
  const res = await api("admin", "GET", "/v1/admin/metrics");
  expect(res.status, res.text).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  const families = new Map(parsePrometheusTextFormat(res.text).map((f) => [f.name, f]));
  return {
    families,
    value(name, labels = {}) {
      const family = families.get(name);
      if (!family) throw new Error(`no metric family ${name} in:\n${res.text}`);
      const sample = family.metrics.find((m) =>
        Object.entries(labels).every(([k, v]) => m.labels?.[k] === v),
      );
      return sample?.value === undefined ? 0 : Number(sample.value);
    },
  };
}

describe("GET /v1/admin/metrics", () => {
  it("is refused to non-admin callers with 403 and never served as metrics", async () => {
    const res = await api(uniqueOwner(), "GET", "/v1/admin/metrics");
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: "forbidden", message: "admin token required" });
  });

  it("counts live leases, heartbeats, pending deletes, cost and provisioning latency from the log", async () => {
    const before = await scrape();
    const who = uniqueOwner();
    const a = await createLease(who, { serverType: "fake-small" });
    const b = await createLease(who, { class: "fast", serverType: "fake-small" });
    await api(who, "POST", `/v1/leases/${a.id}/heartbeat`, {});
    await api(who, "POST", `/v1/leases/${a.id}/heartbeat`, {});
    await api(who, "POST", `/v1/leases/${b.id}/heartbeat`, {});
    fakes.local.failNext("delete");
    const released = await api(who, "POST", `/v1/leases/${b.id}/release`, { delete: true });
    expect(released.body.lease.machineState).toBe("delete_failed");

    const after = await scrape();
    const live = { provider: "local", class: "beast", state: "active" };
    expect(after.value("crabbox_leases", live) - before.value("crabbox_leases", live)).toBe(1);
    expect(after.value("crabbox_heartbeats_total") - before.value("crabbox_heartbeats_total")).toBe(3);
    const failed = { provider: "local", machine_state: "delete_failed" };
    expect(
      after.value("crabbox_machine_deletes_pending", failed) -
        before.value("crabbox_machine_deletes_pending", failed),
    ).toBe(1);
    expect(a.estimatedHourlyUSD).toBe(0.25);
    // a is live and b's machine is still there (its delete failed): both cost money.
    expect(
      after.value("crabbox_cost_rate_usd_per_hour", { provider: "local" }) -
        before.value("crabbox_cost_rate_usd_per_hour", { provider: "local" }),
    ).toBeCloseTo(2 * a.estimatedHourlyUSD, 4);
    expect(after.value("crabbox_event_log_events")).toBeGreaterThan(before.value("crabbox_event_log_events"));
    expect(after.value("crabbox_storage_bytes")).toBeGreaterThan(0);

    const histogram = after.families.get("crabbox_provisioning_seconds");
    expect(histogram?.type).toBe("HISTOGRAM");
    const [now] = histogram?.metrics ?? [];
    const [then] = before.families.get("crabbox_provisioning_seconds")?.metrics ?? [];
    expect(Number(now?.count) - Number(then?.count)).toBe(2);
    // The fake provider answers at once, on the Fleet's clock: both fall in the first bucket.
    expect(Number(now?.buckets?.["1"]) - Number(then?.buckets?.["1"])).toBe(2);
    expect(now?.buckets?.["+Inf"]).toBe(now?.count);

    // Once the retry succeeds the delete is no longer pending.
    await later(31_000);
    const settled = await scrape();
    expect(settled.value("crabbox_machine_deletes_pending", failed)).toBe(
      before.value("crabbox_machine_deletes_pending", failed),
    );
  });

  it("reports orphans the sweep detected and has not deleted", async () => {
    const before = await scrape();
    fakes.local.plant(uniqueLeaseId());
    await later(61_000); // first sighting
    await later(61_000); // seen again a grace period later: detected, no proof, kept
    const after = await scrape();
    expect(after.value("crabbox_orphans_open") - before.value("crabbox_orphans_open")).toBe(1);
    expect(
      after.value("crabbox_orphans_detected_total") - before.value("crabbox_orphans_detected_total"),
    ).toBe(1);
  });
});
