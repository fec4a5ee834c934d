/** fast-check generators of lease and run commands, shared by the pure and the workerd properties. */
import fc from "fast-check";
import type { LeaseCommand } from "../../src/events/lease-decider";
import type { RunCommand } from "../../src/events/run-decider";
import { leaseRequest, machine, runStart, sample } from "../events/fixtures";

export const cloudIDs = ["m1", "m2"] as const;

export function leaseCommand(leaseID = "cbx_abcdef123456"): fc.Arbitrary<LeaseCommand> {
  return fc.oneof<fc.Arbitrary<LeaseCommand>[]>(
    fc.record({
      type: fc.constant("RequestLease" as const),
      lease: fc
        .record({
          ttl: fc.integer({ min: 60, max: 7200 }),
          idle: fc.integer({ min: 30, max: 3600 }),
          keep: fc.boolean(),
        })
        .map(({ ttl, idle, keep }) =>
          leaseRequest({ leaseID, ttlSeconds: ttl, idleTimeoutSeconds: idle, keep }),
        ),
    }),
    fc
      .constantFrom(...cloudIDs)
      .map((cloudID) => ({ type: "RecordMachineProvisioned" as const, machine: machine({ cloudID }) })),
    fc
      .constantFrom(...cloudIDs)
      .map((cloudID) => ({ type: "AdoptMachine" as const, machine: machine({ cloudID }) })),
    fc.constant({
      type: "RecordProvisioningFailed" as const,
      code: "capacity_unavailable",
      message: "no capacity",
      provisioningAttempts: [],
    }),
    fc
      .record({
        idle: fc.option(fc.constantFrom(-1, 1, 60, 900, 100_000), { nil: undefined }),
        withTelemetry: fc.boolean(),
      })
      .map(({ idle, withTelemetry }) => {
        const command: LeaseCommand = { type: "Heartbeat" };
        if (idle !== undefined) command.idleTimeoutSeconds = idle;
        if (withTelemetry) command.telemetry = sample(0);
        return command;
      }),
    fc.option(fc.boolean(), { nil: undefined }).map((del) => {
      const command: LeaseCommand = { type: "Release", releasedBy: "peter@example.com" };
      if (del !== undefined) command.delete = del;
      return command;
    }),
    fc.constant({ type: "Expire" as const }),
    fc.constant({ type: "RequestMachineDelete" as const, reason: "admin" as const }),
    fc.record({
      type: fc.constant("RecordMachineDeleted" as const),
      cloudID: fc.constantFrom(...cloudIDs),
      alreadyGone: fc.boolean(),
    }),
    fc.record({
      type: fc.constant("RecordMachineDeleteFailed" as const),
      cloudID: fc.constantFrom(...cloudIDs),
      message: fc.constant("provider timeout"),
      nextAttemptAt: fc.constant(0),
    }),
    fc.record({
      type: fc.constant("ChangeShare" as const),
      users: fc.dictionary(
        fc.constantFrom("a@example.com", "b@example.com"),
        fc.constantFrom("use" as const, "manage" as const),
        { maxKeys: 2 },
      ),
      changedBy: fc.constant("peter@example.com"),
    }),
  );
}

/** Heartbeat telemetry and delete retries carry times; stamp them with the command's `now`. */
export function stamp(command: LeaseCommand, now: number): LeaseCommand {
  if (command.type === "Heartbeat" && command.telemetry) return { ...command, telemetry: sample(now) };
  if (command.type === "RecordMachineDeleteFailed") return { ...command, nextAttemptAt: now + 60_000 };
  return command;
}

export function runCommand(runID = "run_0123456789ab"): fc.Arbitrary<RunCommand> {
  return fc.oneof<fc.Arbitrary<RunCommand>[]>(
    fc.constant({ type: "StartRun" as const, run: runStart({ runID }) }),
    fc
      .record({
        type: fc.constantFrom("sync.started", "stdout", "run.failed", "command.started"),
        message: fc.string({ maxLength: 20 }),
      })
      .map((event) => ({ type: "AppendRunEvent" as const, event })),
    fc.nat({ max: 1000 }).map((t) => ({ type: "RecordRunTelemetry" as const, sample: sample(t) })),
    fc
      .record({
        exitCode: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
        log: fc.string({ maxLength: 50 }),
      })
      .map((finish) => ({ type: "FinishRun" as const, finish })),
  );
}

/** Gaps between commands: mostly short, sometimes long enough to cross an expiry. */
export const gapMs = fc.oneof(
  fc.integer({ min: 0, max: 60_000 }),
  fc.integer({ min: 60_000, max: 4_000_000 }),
);
