import { beforeEach, describe, expect, it } from "vitest";
import { api, freshFleet, uniqueOwner } from "../../support/fleet-api";

beforeEach(() => {
  freshFleet();
});

describe("runs of a shard group", () => {
  it("keep their group, index and total, and list by group", async () => {
    const who = uniqueOwner();
    for (const index of [1, 2, 3]) {
      const created = await api(who, "POST", "/v1/runs", {
        command: ["npm", "test"],
        shard: { group: "shg_abc123", index, total: 3 },
      });
      expect(created.status, created.text).toBe(201);
      expect(created.body.run.shard).toEqual({ group: "shg_abc123", index, total: 3 });
    }
    await api(who, "POST", "/v1/runs", { command: ["other"] });
    const group = await api(who, "GET", "/v1/runs?shardGroup=shg_abc123");
    expect(group.body.runs.map((r: { shard: { index: number } }) => r.shard.index).sort()).toEqual([1, 2, 3]);
    const all = await api(who, "GET", "/v1/runs");
    expect(all.body.runs).toHaveLength(4);
    expect(all.body.runs.find((r: { command: string[] }) => r.command[0] === "other").shard).toBeUndefined();
    // another owner sees none of them
    expect((await api(uniqueOwner(), "GET", "/v1/runs?shardGroup=shg_abc123")).body.runs).toEqual([]);
  });

  it.each([
    [{ group: "bad group!", index: 1, total: 2 }, "shard.group"],
    [{ group: "g", index: 3, total: 2 }, "shard.index"],
    [{ group: "g", index: 0, total: 2 }, "shard.index"],
    [{ group: "g", index: 1, total: 1000 }, "shard.total"],
    [{ group: "g".repeat(65), index: 1, total: 2 }, "shard.group"],
  ])("refuse a bad shard %j with a 400 naming the field and append nothing", async (shard, field) => {
    const who = uniqueOwner();
    const r = await api(who, "POST", "/v1/runs", { command: ["x"], shard });
    expect(r.status, r.text).toBe(400);
    expect(r.text).toContain(field);
    expect((await api(who, "GET", "/v1/runs")).body.runs).toEqual([]);
  });
});
