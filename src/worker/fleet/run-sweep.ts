import { runDecider, runStream } from "../../events/run-decider";
import { type FleetDeps, systemMeta } from "./deps";

/** Runs settled per alarm; the alarm re-arms at once when more are due. */
const batch = 50;

const liveLeaseStates = "('provisioning', 'active')";

/**
 * Every run reaches a terminal state, whatever happens to its client (docs/api.md, "Runs"):
 * a client whose SSH failed, that was killed, or whose computer went away never finishes its
 * run. The alarm ends, with a `run.abandoned` event naming why:
 * - a running run whose lease has ended (released, expired, failed): nothing can run there;
 * - a running run with no sign of life for `silenceMs`: no run event, and no heartbeat on its
 *   lease (a long silent command keeps its lease touched), or no lease at all.
 */
export class RunSweep {
  constructor(
    private readonly deps: FleetDeps,
    private readonly silenceMs: number,
  ) {}

  /** The earliest time a run is due to be ended, in Fleet-clock ms. */
  nextDue(): number | undefined {
    const sql = this.deps.sql;
    const ended = sql
      .exec<{ n: number }>(
        `SELECT COUNT(*) AS n FROM runs r JOIN leases l ON l.id = r.lease_id
         WHERE r.finished = 0 AND l.state NOT IN ${liveLeaseStates}`,
      )
      .one().n;
    if (ended > 0) return this.deps.now();
    const row = sql
      .exec<{ at: number | null }>(
        `SELECT MIN(MAX(r.last_event_at, COALESCE(l.last_touched_at, 0))) AS at
         FROM runs r LEFT JOIN leases l ON l.id = r.lease_id WHERE r.finished = 0`,
      )
      .one();
    return row.at === null ? undefined : row.at + this.silenceMs;
  }

  run(requestId: string): void {
    const now = this.deps.now();
    const due = this.deps.sql
      .exec<{ id: string; lease_id: string; lease_state: string | null; alive_at: number }>(
        `SELECT r.id, r.lease_id, l.state AS lease_state,
                MAX(r.last_event_at, COALESCE(l.last_touched_at, 0)) AS alive_at
         FROM runs r LEFT JOIN leases l ON l.id = r.lease_id
         WHERE r.finished = 0
           AND ((l.state IS NOT NULL AND l.state NOT IN ${liveLeaseStates})
                OR MAX(r.last_event_at, COALESCE(l.last_touched_at, 0)) <= ?)
         LIMIT ?`,
        now - this.silenceMs,
        batch,
      )
      .toArray();
    for (const run of due) {
      const reason =
        run.lease_state !== null && !["provisioning", "active"].includes(run.lease_state)
          ? `lease ${run.lease_id} ended (${run.lease_state}) while the run was running`
          : `no sign of life for ${Math.round((now - run.alive_at) / 60_000)} min (no run event, no lease heartbeat)`;
      try {
        this.deps.store.execute({
          stream: runStream(run.id),
          decider: runDecider,
          command: { type: "AbandonRun", reason },
          now,
          meta: systemMeta(requestId),
        });
      } catch (error) {
        console.warn(`fleet alarm: ending run ${run.id} failed: ${(error as Error).message}`);
      }
    }
  }
}
