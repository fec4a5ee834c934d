import { describe, expect, it } from "vitest";
import { GroupCommit } from "../../../src/worker/fleet/group-commit";

function pendingDurability() {
  let settle = () => {};
  const commits: Promise<void>[] = [];
  return {
    durable: () => {
      const commit = new Promise<void>((resolve) => {
        settle = resolve;
      });
      commits.push(commit);
      return commit;
    },
    settle: () => settle(),
    commits,
  };
}

describe("group commit for heartbeats", () => {
  it("runs a writer that comes alone at once, in the caller's turn", async () => {
    const storage = pendingDurability();
    const group = new GroupCommit(storage.durable);
    const ran: string[] = [];
    const outcome = group.run(() => {
      ran.push("alone");
      return 1;
    });
    expect(ran).toEqual(["alone"]);
    expect(await outcome).toBe(1);
    expect(storage.commits).toHaveLength(1);
  });

  it("queues writers that arrive while a commit is in flight and runs them together in one later turn", async () => {
    const storage = pendingDurability();
    const group = new GroupCommit(storage.durable);
    const ran: string[] = [];
    await group.run(() => ran.push("first"));
    const second = group.run(() => ran.push("second"));
    const third = group.run(() => ran.push("third"));
    expect(ran).toEqual(["first"]);
    await Promise.all([second, third]);
    expect(ran).toEqual(["first", "second", "third"]);
    expect(storage.commits).toHaveLength(2);
  });

  it("gives each queued writer its own error and still runs the others", async () => {
    const storage = pendingDurability();
    const group = new GroupCommit(storage.durable);
    await group.run(() => 0);
    const failing = group.run(() => {
      throw new Error("lease ended");
    });
    const fine = group.run(() => "ok");
    await expect(failing).rejects.toThrow("lease ended");
    expect(await fine).toBe("ok");
  });

  it("runs alone again once the commits in flight are durable", async () => {
    const storage = pendingDurability();
    const group = new GroupCommit(storage.durable);
    await group.run(() => 0);
    storage.settle();
    await new Promise((resolve) => setTimeout(resolve, 0));
    const ran: string[] = [];
    const outcome = group.run(() => ran.push("alone again"));
    expect(ran).toEqual(["alone again"]);
    await outcome;
  });
});
