import type { Progress } from "../output/progress";

/**
 * Where a run's time went, for `--timing-json` and the run summary line (docs/cli.md, "The run
 * flow"). It listens to the progress phases the flow already reports, so lease, readiness and
 * each sync step are timed without the lease and sync code knowing about timing.
 */
export class PhaseClock {
  private readonly marks: { name: string; at: number }[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  /** `progress`, with every phase it reports timestamped here. */
  watch(progress: Progress): Progress {
    return {
      phase: (name, detail) => {
        this.marks.push({ name, at: this.now() });
        progress.phase(name, detail);
      },
      bytes: (done, total) => progress.bytes(done, total),
      info: (message) => progress.info(message),
      warn: (message) => progress.warn(message),
      done: () => progress.done(),
    };
  }

  /** When `name` was first reported at or after `since`. */
  first(name: string, since: number): number | undefined {
    return this.marks.find((m) => m.name === name && m.at >= since)?.at;
  }

  /** Each phase starting with `prefix` between `from` and `to`, timed to the next one (or `to`). */
  steps(prefix: string, from: number, to: number): { name: string; ms: number }[] {
    const inside = this.marks.filter((m) => m.name.startsWith(prefix) && m.at >= from && m.at <= to);
    const steps = new Map<string, number>();
    inside.forEach((mark, i) => {
      const end = inside[i + 1]?.at ?? to;
      const name = mark.name.slice(prefix.length);
      steps.set(name, (steps.get(name) ?? 0) + (end - mark.at));
    });
    return [...steps].map(([name, ms]) => ({ name, ms }));
  }
}
