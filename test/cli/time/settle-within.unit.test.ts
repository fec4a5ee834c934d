import { describe, expect, it } from "vitest";
import { settleWithin } from "../../../src/cli/time/settle-within";

const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

describe("settleWithin", () => {
  it("leaves no timer behind when the work settles first, so the CLI process can exit", async () => {
    const before = timers();
    await settleWithin(Promise.resolve("done"), 60_000);
    expect(timers()).toBe(before);
  });

  it("gives up after the limit when the work never settles", async () => {
    const started = Date.now();
    await settleWithin(new Promise(() => {}), 50);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  it("never throws when the work fails", async () => {
    await expect(settleWithin(Promise.reject(new Error("down")), 1000)).resolves.toBeUndefined();
  });
});
