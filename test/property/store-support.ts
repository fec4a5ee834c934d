/** Helpers for the workerd properties: fresh Fleet objects, histories, and database dumps. */
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { isCrabboxError } from "../../src/errors";
import { type LeaseCommand, leaseDecider, leaseStream } from "../../src/events/lease-decider";
import { type RunCommand, runDecider, runStream } from "../../src/events/run-decider";
import type { EventStore, ExecuteResult } from "../../src/events/store";
import { leaseRequest, runStart, t0, userMeta } from "../events/fixtures";
import { gapMs, leaseCommand, runCommand, stamp } from "./arbitraries";

export const freshFleet = (name: string) =>
  env.FLEET.get(env.FLEET.idFromName(`${name}-${crypto.randomUUID()}`));

export const leaseIDs = ["cbx_00000000000a", "cbx_00000000000b"] as const;
export const runIDs = ["run_00000000000a"] as const;

export type Step =
  | { kind: "lease"; target: number; command: LeaseCommand; gap: number }
  | { kind: "run"; target: number; command: RunCommand; gap: number };

const leaseStep = fc
  .tuple(fc.nat({ max: leaseIDs.length - 1 }), gapMs)
  .chain(([target, gap]) =>
    leaseCommand(leaseIDs[target]).map((command) => ({ kind: "lease" as const, target, command, gap })),
  );
const runStepArbitrary = fc
  .tuple(fc.nat({ max: runIDs.length - 1 }), gapMs)
  .chain(([target, gap]) =>
    runCommand(runIDs[target]).map((command) => ({ kind: "run" as const, target, command, gap })),
  );

/** Histories that mostly start their streams, so that most commands are accepted. */
export const history = (maxLength: number) =>
  fc
    .array(fc.oneof({ arbitrary: leaseStep, weight: 3 }, { arbitrary: runStepArbitrary, weight: 1 }), {
      maxLength,
    })
    .map((steps) => [
      ...leaseIDs.map((_, target) => ({
        kind: "lease" as const,
        target,
        gap: 0,
        command: { type: "RequestLease", lease: requestFor(target) } as LeaseCommand,
      })),
      ...runIDs.map((id, target) => ({
        kind: "run" as const,
        target,
        gap: 0,
        command: { type: "StartRun", run: { ...runStartFor(id) } } as RunCommand,
      })),
      ...steps,
    ]);

function requestFor(target: number) {
  return leaseRequest({ leaseID: leaseIDs[target], ttlSeconds: 7200, idleTimeoutSeconds: 1800 });
}
function runStartFor(runID: string) {
  return runStart({ runID });
}

export interface StepOptions {
  dedupeKey?: string;
  fingerprint?: string;
  expectedVersion?: number;
}

export type StepResult = { ok: ExecuteResult<unknown> } | { error: { code: string; message: string } };

/** Runs one step against a store at `now`; a refused command is a result, not a failure. */
export function runStep(store: EventStore, step: Step, now: number, options: StepOptions = {}): StepResult {
  try {
    if (step.kind === "lease") {
      const stream = leaseStream(leaseIDs[step.target] ?? "");
      return {
        ok: store.execute({
          stream,
          decider: leaseDecider,
          command: stamp(step.command, now),
          now,
          meta: userMeta,
          ...options,
        }),
      };
    }
    const stream = runStream(runIDs[step.target] ?? "");
    return {
      ok: store.execute({
        stream,
        decider: runDecider,
        command: step.command,
        now,
        meta: userMeta,
        ...options,
      }),
    };
  } catch (error) {
    if (!isCrabboxError(error)) throw error;
    return { error: { code: error.code, message: error.message } };
  }
}

/** Applies a whole history with its clock; returns the final time. */
export function applyHistory(store: EventStore, steps: Step[], start = t0): number {
  let now = start;
  for (const step of steps) {
    now += step.gap;
    runStep(store, step, now);
  }
  return now;
}

/** Every table of the database as JSON, for byte-level "nothing changed" checks. */
export function dump(sql: SqlStorage, options: { withoutEventIds?: boolean } = {}): string {
  const tables = sql
    .exec<{ name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' AND name NOT LIKE '_cf%' ORDER BY name",
    )
    .toArray()
    .map((r) => r.name);
  return JSON.stringify(
    tables.map((t) => {
      let rows = sql.exec(`SELECT * FROM ${t} ORDER BY 1, 2`).toArray();
      // The chain hash covers the ULID, so it is random with it (docs/event-log.md, "Hash chain").
      if (options.withoutEventIds && t === "events")
        rows = rows.map(({ id: _id, hash: _hash, ...rest }) => rest);
      if (options.withoutEventIds && t === "commands")
        rows = rows.map((r) => ({ ...r, outcome: String(r.outcome).replace(/"eventIds":\[[^\]]*\]/, "") }));
      if (t === "_migrations") rows = rows.map(({ applied_at: _a, ...rest }) => rest);
      return [t, rows];
    }),
  );
}
