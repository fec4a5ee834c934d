import { describe, expect, it } from "vitest";
import { GroupCommit } from "../../../src/worker/fleet/group-commit";

/** A durability signal the test settles by hand; counts the commits the group waited for. */
function pendingDurability() {
  const pending: (() => void)[] = [];
  let commits = 0;
  return {
    durable: () => {
      commits++;
      return new Promise<void>((resolve) => pending.push(resolve));
    },
    settleAll: () => {
      for (const settle of pending.splice(0)) settle();
    },
    commits: () => commits,
  };
}

/** Durability that arrives at once (as when the commit is synchronous). */
const immediate = () => Promise.resolve();

const turn = () => new Promise((resolve) => setTimeout(resolve, 0));

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/** A group whose `leases` have just written together (and whose commit is durable). */
async function afterWritingTogether(leases: string[], windowMs: number) {
  const time = clock();
  const group = new GroupCommit(immediate, { now: time.now, windowMs });
  await Promise.all(leases.map((lease) => group.run(lease, () => lease)));
  await turn();
  time.advance(5);
  return group;
}

describe("group commit for heartbeats", () => {
  it("runs a writer with no recent company at once, in the caller's turn", async () => {
    const storage = pendingDurability();
    const group = new GroupCommit(storage.durable);
    const ran: string[] = [];
    const outcome = group.run("lease-a", () => {
      ran.push("alone");
      return 1;
    });
    expect(ran).toEqual(["alone"]);
    expect(await outcome).toBe(1);
    expect(storage.commits()).toBe(1);
  });

  it("queues writers that arrive while a commit is in flight and runs them together once it is durable", async () => {
    const storage = pendingDurability();
    const time = clock();
    const group = new GroupCommit(storage.durable, { now: time.now });
    const ran: string[] = [];
    await group.run("lease-a", () => ran.push("first"));
    const second = group.run("lease-b", () => ran.push("second"));
    const third = group.run("lease-c", () => ran.push("third"));
    await turn();
    expect(ran).toEqual(["first"]);
    storage.settleAll();
    await Promise.all([second, third]);
    expect(ran).toEqual(["first", "second", "third"]);
    expect(storage.commits()).toBe(2);
  });

  it("runs a batch as soon as every recently seen writer is back, without waiting for the window", async () => {
    const group = await afterWritingTogether(["a", "b", "c"], 60_000);
    const ran: string[] = [];
    const batch = ["c", "a", "b"].map((lease) => group.run(lease, () => ran.push(lease)));
    expect(ran).toEqual(["c", "a", "b"]);
    await Promise.all(batch);
  });

  it("runs a short batch after the window when a recent writer does not come back", async () => {
    const group = await afterWritingTogether(["a", "b", "c"], 5);
    const ran: string[] = [];
    const batch = ["a", "b"].map((lease) => group.run(lease, () => ran.push(lease)));
    expect(ran).toEqual([]);
    await Promise.all(batch);
    expect(ran).toEqual(["a", "b"]);
  });

  it("gives each queued writer its own error and still runs the others", async () => {
    const group = await afterWritingTogether(["a", "b"], 5);
    const failing = group.run("a", () => {
      throw new Error("lease ended");
    });
    const fine = group.run("b", () => "ok");
    await expect(failing).rejects.toThrow("lease ended");
    expect(await fine).toBe("ok");
  });

  it("forgets writers not seen for recentMs and runs a lone writer at once again", async () => {
    const time = clock();
    const group = new GroupCommit(immediate, { now: time.now, recentMs: 25 });
    await Promise.all(["a", "b"].map((lease) => group.run(lease, () => lease)));
    await turn();
    time.advance(26);
    const ran: string[] = [];
    const outcome = group.run("a", () => ran.push("alone again"));
    expect(ran).toEqual(["alone again"]);
    await outcome;
  });
});
