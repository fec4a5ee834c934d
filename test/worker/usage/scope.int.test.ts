/**
 * `GET /v1/usage?scope=user` is scoped exactly like leases and runs: by the caller's owner and
 * org together (docs/api.md, "Usage"), so the same owner name in another org is someone else.
 */
import { describe, expect, it } from "vitest";
import { api, freshFleet, leaseRequest, uniqueOwner } from "../../support/fleet-api";

describe("usage scoped to a user", () => {
  it("does not count the same owner name's leases in another org", async () => {
    freshFleet();
    const mine = uniqueOwner("twin");
    const twin = { owner: mine.owner, org: "otherorg" };
    expect((await api(mine, "POST", "/v1/leases", leaseRequest())).status).toBe(201);
    expect((await api(twin, "POST", "/v1/leases", leaseRequest())).status).toBe(201);
    expect((await api(twin, "POST", "/v1/leases", leaseRequest())).status).toBe(201);

    const seen = await api(mine, "GET", "/v1/usage?scope=user");
    expect(seen.status, seen.text).toBe(200);
    expect(seen.body.usage).toMatchObject({ scope: "user", owner: mine.owner, org: "crabclub", leases: 1 });
    expect(seen.body.usage.byOrg.map((g: { key: string }) => g.key)).toEqual(["crabclub"]);

    const theirs = await api(twin, "GET", "/v1/usage");
    expect(theirs.body.usage).toMatchObject({ owner: mine.owner, org: "otherorg", leases: 2 });
  });
});
