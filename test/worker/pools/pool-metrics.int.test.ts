import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { beforeEach, describe, expect, it } from "vitest";
import { api, later } from "../../support/fleet-api";
import { createLease, drainPools, localPool, pooledFleet, readPools, untilReady } from "./support";

beforeEach(drainPools);

async function poolGauge(): Promise<Record<string, number>> {
  const res = await api("admin", "GET", "/v1/admin/metrics");
  expect(res.status, res.text).toBe(200);
  const family = parsePrometheusTextFormat(res.text).find((f) => f.name === "crabbox_pool_machines");
  expect(family?.type).toBe("GAUGE");
  const out: Record<string, number> = {};
  for (const m of family?.metrics ?? []) {
    if (m.labels?.provider === "local" && m.labels.class === "beast")
      out[m.labels.state ?? ""] = Number(m.value);
  }
  return out;
}

describe("GET /v1/admin/metrics: pool sizes", () => {
  it("reports a ready pool's machines by state, and one fewer ready after a lease claims one", async () => {
    pooledFleet([{ ...localPool, min: 2, max: 2 }]);
    await readPools();
    await later(0);
    await untilReady(2);
    expect(await poolGauge()).toEqual({ ready: 2 });

    const { res } = await createLease();
    expect(res.status, res.text).toBe(201);
    const afterClaim = await poolGauge();
    // The claimed machine left the pool; the alarm may already be making its replacement.
    expect(afterClaim.ready).toBe(1);
    expect(afterClaim.provisioning ?? 0).toBeLessThanOrEqual(1);
  });
});
