import { describe, expect, it } from "vitest";
import type { Progress } from "../../../src/cli/output/progress";
import { PhaseClock } from "../../../src/cli/run/phase-clock";

function fakeClock() {
  let now = 0;
  return { now: () => now, set: (t: number) => (now = t) };
}

const silent: Progress & { seen: string[] } = {
  seen: [],
  phase(name) {
    this.seen.push(name);
  },
  bytes() {},
  info() {},
  warn() {},
  done() {},
};

describe("PhaseClock", () => {
  it("passes every phase on to the progress it watches", () => {
    const progress = new PhaseClock().watch(silent);
    progress.phase("waiting for ssh", "host");
    expect(silent.seen).toContain("waiting for ssh");
  });

  it("finds the first time a phase was reported after a moment", () => {
    const t = fakeClock();
    const clock = new PhaseClock(t.now);
    const progress = clock.watch(silent);
    t.set(5);
    progress.phase("waiting for ssh");
    t.set(20);
    progress.phase("waiting for ssh");
    expect(clock.first("waiting for ssh", 0)).toBe(5);
    expect(clock.first("waiting for ssh", 6)).toBe(20);
    expect(clock.first("provisioning", 0)).toBeUndefined();
  });

  it("times each step to the next one, and the last to the end, summing repeats", () => {
    const t = fakeClock();
    const clock = new PhaseClock(t.now);
    const progress = clock.watch(silent);
    for (const [at, name] of [
      [10, "sync plan"],
      [14, "sync upload"],
      [30, "sync upload"],
      [40, "sync apply"],
      [45, "releasing"],
    ] as const) {
      t.set(at);
      progress.phase(name);
    }
    expect(clock.steps("sync ", 10, 44)).toEqual([
      { name: "plan", ms: 4 },
      { name: "upload", ms: 26 },
      { name: "apply", ms: 4 },
    ]);
  });
});
