import { beforeEach, describe, expect, it } from "vitest";
import { api, createLease, freshFleet, uniqueOwner } from "../../support/fleet-api";

beforeEach(() => {
  freshFleet();
});

describe("reading leases", () => {
  it("finds a lease by ID and by slug for its owner", async () => {
    const who = uniqueOwner();
    const created = await createLease(who, { slug: "Reef Walker" });
    const byId = await api(who, "GET", `/v1/leases/${created.id}`);
    const bySlug = await api(who, "GET", "/v1/leases/reef-walker");
    expect(byId.status).toBe(200);
    expect(bySlug.body.lease.id).toBe(created.id);
    expect(byId.body.lease.telemetryHistory).toEqual([]);
  });

  it("hides another owner's lease by ID and by slug (404, not 403)", async () => {
    const owner = uniqueOwner();
    const created = await createLease(owner, { slug: "private-reef" });
    const stranger = uniqueOwner("stranger");
    expect((await api(stranger, "GET", `/v1/leases/${created.id}`)).status).toBe(404);
    expect((await api(stranger, "GET", "/v1/leases/private-reef")).status).toBe(404);
    expect((await api({ ...owner, org: "elsewhere" }, "GET", `/v1/leases/${created.id}`)).status).toBe(404);
    expect((await api("admin", "GET", `/v1/leases/${created.id}`)).status).toBe(200);
  });

  it("lists only visible leases, newest first, with the limit applied after visibility", async () => {
    const me = uniqueOwner();
    const other = uniqueOwner("other");
    const mine = [await createLease(me), await createLease(me)];
    for (let i = 0; i < 3; i++) await createLease(other);
    const listed = await api(me, "GET", "/v1/leases?limit=2");
    expect(listed.status).toBe(200);
    expect(listed.body.leases.map((l: { id: string }) => l.id)).toEqual([mine[1].id, mine[0].id]);
    const one = await api(me, "GET", "/v1/leases?limit=1");
    expect(one.body.leases.map((l: { id: string }) => l.id)).toEqual([mine[1].id]);
    const filtered = await api(me, "GET", "/v1/leases?state=released");
    expect(filtered.body.leases).toEqual([]);
    const bad = await api(me, "GET", "/v1/leases?limit=zero");
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe("limit");
  });

  it("lets admins list every lease through the admin route, and refuses others with 403", async () => {
    const who = uniqueOwner();
    const created = await createLease(who);
    const all = await api("admin", "GET", `/v1/admin/leases?owner=${encodeURIComponent(who.owner)}`);
    expect(all.status).toBe(200);
    expect(all.body.leases.map((l: { id: string }) => l.id)).toEqual([created.id]);
    const refused = await api(who, "GET", "/v1/admin/leases");
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: "forbidden", message: "admin token required" });
  });
});

describe("sharing leases", () => {
  it("grants a user use (read, heartbeat) but not release; manage allows release", async () => {
    const owner = uniqueOwner();
    const friend = uniqueOwner("friend");
    const created = await createLease(owner);
    const put = await api(owner, "PUT", `/v1/leases/${created.id}/share`, {
      users: { [friend.owner.toUpperCase()]: "use" },
    });
    expect(put.status, put.text).toBe(200);
    expect(put.body).toMatchObject({
      leaseID: created.id,
      share: { users: { [friend.owner]: "use" }, updatedBy: owner.owner },
    });
    expect((await api(friend, "GET", `/v1/leases/${created.id}`)).status).toBe(200);
    expect((await api(friend, "GET", "/v1/leases")).body.leases.map((l: { id: string }) => l.id)).toContain(
      created.id,
    );
    expect((await api(friend, "POST", `/v1/leases/${created.id}/heartbeat`, {})).status).toBe(200);
    const release = await api(friend, "POST", `/v1/leases/${created.id}/release`, {});
    expect(release.status).toBe(403);
    expect(release.body.message).toBe("lease manage access required");
    expect((await api(friend, "PUT", `/v1/leases/${created.id}/share`, { users: {} })).status).toBe(403);

    await api(owner, "PUT", `/v1/leases/${created.id}/share`, { users: { [friend.owner]: "manage" } });
    expect((await api(friend, "POST", `/v1/leases/${created.id}/release`, {})).status).toBe(200);
  });

  it("grants the owning org, never another org, and removes grants", async () => {
    const owner = uniqueOwner();
    const colleague = uniqueOwner("colleague");
    const outsider = { ...uniqueOwner("outsider"), org: "elsewhere" };
    const created = await createLease(owner);
    await api(owner, "PUT", `/v1/leases/${created.id}/share`, { org: "use" });
    expect((await api(colleague, "GET", `/v1/leases/${created.id}`)).status).toBe(200);
    expect((await api(outsider, "GET", `/v1/leases/${created.id}`)).status).toBe(404);
    const removed = await api(owner, "DELETE", `/v1/leases/${created.id}/share`, { org: true });
    expect(removed.body.share).toEqual({ users: {} });
    expect((await api(colleague, "GET", `/v1/leases/${created.id}`)).status).toBe(404);
    const got = await api(owner, "GET", `/v1/leases/${created.id}/share`);
    expect(got.body).toEqual({ leaseID: created.id, share: { users: {} } });
  });

  it("refuses a share with an unknown role, naming the field", async () => {
    const owner = uniqueOwner();
    const created = await createLease(owner);
    const res = await api(owner, "PUT", `/v1/leases/${created.id}/share`, { users: { "a@b.c": "own" } });
    expect(res.status).toBe(400);
    expect(res.body.field).toMatch(/^users/);
  });
});
