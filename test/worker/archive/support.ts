import { leaseDecider, leaseStream } from "../../../src/events/lease-decider";
import type { EventStore } from "../../../src/events/store";
import { leaseRequest, machine, sample, userMeta } from "../../events/fixtures";

export const day = 86_400_000;

/** A fresh lease id (the R2 bucket is shared by every test). */
export function newLeaseID(): string {
  return `cbx_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
}

/** A lease that ran at `start`, sent `heartbeats`, was released and whose machine was deleted. */
export function endedLease(store: EventStore, leaseID: string, start: number, heartbeats = 3): string {
  return endedLongLease(store, leaseID, start, heartbeats, 5_400);
}

/** As `endedLease`, with a TTL long enough for many heartbeats. */
export function endedLongLease(
  store: EventStore,
  leaseID: string,
  start: number,
  heartbeats: number,
  ttlSeconds = 2 * 86_400,
): string {
  const stream = leaseStream(leaseID);
  const run = (command: Parameters<typeof leaseDecider.decide>[0], at: number) =>
    store.execute({ stream, decider: leaseDecider, command, now: at, meta: userMeta });
  const slug = `s-${leaseID.slice(4)}`;
  run(
    {
      type: "RequestLease",
      lease: leaseRequest({
        leaseID,
        slug,
        providerKey: `crabbox-${leaseID}`,
        provisioningDeadlineAt: start + 120_000,
        ttlSeconds,
      }),
    },
    start,
  );
  run({ type: "RecordMachineProvisioned", machine: machine({ cloudID: `m-${leaseID}` }) }, start + 1_000);
  for (let i = 0; i < heartbeats; i += 1) {
    run({ type: "Heartbeat", telemetry: sample(start + 30_000 * (i + 1)) }, start + 30_000 * (i + 1));
  }
  run({ type: "Release", releasedBy: "peter" }, start + 60_000 * (heartbeats + 1));
  run(
    { type: "RecordMachineDeleted", cloudID: `m-${leaseID}`, alreadyGone: false },
    start + 60_000 * (heartbeats + 2),
  );
  return stream;
}

/** A lease that is still running (requested and provisioned at `at`). */
export function liveLease(store: EventStore, leaseID: string, at: number): string {
  const stream = leaseStream(leaseID);
  store.execute({
    stream,
    decider: leaseDecider,
    command: {
      type: "RequestLease",
      lease: leaseRequest({
        leaseID,
        slug: `s-${leaseID.slice(4)}`,
        providerKey: `crabbox-${leaseID}`,
        provisioningDeadlineAt: at + 120_000,
      }),
    },
    now: at,
    meta: userMeta,
  });
  store.execute({
    stream,
    decider: leaseDecider,
    command: { type: "RecordMachineProvisioned", machine: machine({ cloudID: `m-${leaseID}` }) },
    now: at + 1,
    meta: userMeta,
  });
  return stream;
}

export function countEvents(sql: SqlStorage, stream: string): number {
  return sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM events WHERE stream = ?", stream).one().n;
}
