import { describe, expect, it } from "vitest";
import type { LeaseEvent } from "../../src/events/catalogue";
import { evolveLease, leaseDecider } from "../../src/events/lease-decider";
import { leaseRequest, machine, sample, t0 } from "./fixtures";
import { at, deciderSpec } from "./given";

const given = deciderSpec(leaseDecider);
const requested = at<LeaseEvent>(t0, { type: "LeaseRequested", data: leaseRequest() });
const provisioned = at<LeaseEvent>(t0 + 10_000, { type: "MachineProvisioned", data: machine() });
const active = [...requested, ...provisioned];
const released = [
  ...active,
  ...at<LeaseEvent>(
    t0 + 60_000,
    { type: "Released", data: { releasedBy: "peter@example.com", deleteMachine: true } },
    { type: "MachineDeleteRequested", data: { cloudID: "local-1", reason: "released" } },
  ),
];

describe("when no lease exists", () => {
  it("records the request", () => {
    given([])
      .when({ type: "RequestLease", lease: leaseRequest() }, t0)
      .thenEmits([{ type: "LeaseRequested", data: leaseRequest() }]);
  });
  it("refuses a heartbeat for a lease it has never heard of", () => {
    given([]).when({ type: "Heartbeat" }, t0).thenThrows("not_found");
  });
  it("starts the lease in provisioning with expiry from the TTL and idle window", () => {
    const state = given(requested).state;
    expect(state).toMatchObject({
      state: "provisioning",
      createdAt: t0,
      expiresAt: t0 + 1_800_000,
      machineState: "none",
    });
  });
});

describe("when the lease is provisioning", () => {
  it("refuses a second request under the same lease ID", () => {
    given(requested)
      .when({ type: "RequestLease", lease: leaseRequest() }, t0 + 1)
      .thenThrows("lease_id_conflict");
  });
  it("records the machine and becomes active, restarting the idle clock", () => {
    const spec = given(requested);
    spec
      .when({ type: "RecordMachineProvisioned", machine: machine() }, t0 + 10_000)
      .thenEmits([{ type: "MachineProvisioned", data: machine() }]);
    expect(given(active).state).toMatchObject({
      state: "active",
      cloudID: "local-1",
      lastTouchedAt: t0 + 10_000,
      expiresAt: t0 + 10_000 + 1_800_000,
      machineState: "present",
    });
  });
  it("records a provisioning failure and ends the lease as failed", () => {
    const data = {
      code: "capacity_unavailable",
      message: "no capacity",
      provisioningAttempts: [{ serverType: "cx53", message: "sold out" }],
    };
    given(requested)
      .when({ type: "RecordProvisioningFailed", ...data }, t0 + 5_000)
      .thenEmits([{ type: "ProvisioningFailed", data }]);
    const failed = given([
      ...requested,
      ...at<LeaseEvent>(t0 + 5_000, { type: "ProvisioningFailed", data }),
    ]).state;
    expect(failed).toMatchObject({
      state: "failed",
      endedAt: t0 + 5_000,
      failureCode: "capacity_unavailable",
    });
  });
  it("refuses heartbeats until the machine is there", () => {
    given(requested)
      .when({ type: "Heartbeat" }, t0 + 1)
      .thenThrows("illegal_transition");
  });
  it("releases without a delete request when no machine exists yet", () => {
    given(requested)
      .when({ type: "Release", releasedBy: "peter@example.com" }, t0 + 1)
      .thenEmits([{ type: "Released", data: { releasedBy: "peter@example.com", deleteMachine: true } }]);
  });
  it("deletes a machine that arrives after the lease was released", () => {
    const releasedEarly = [
      ...requested,
      ...at<LeaseEvent>(t0 + 1, { type: "Released", data: { releasedBy: "p", deleteMachine: true } }),
    ];
    given(releasedEarly)
      .when({ type: "RecordMachineProvisioned", machine: machine() }, t0 + 9_000)
      .thenEmits([
        { type: "MachineProvisioned", data: machine() },
        {
          type: "MachineDeleteRequested",
          data: { cloudID: "local-1", reason: "lease_ended_before_provisioned" },
        },
      ]);
  });
  it("adopts a machine that reconcile found after a lost outcome", () => {
    given(requested)
      .when({ type: "AdoptMachine", machine: machine() }, t0 + 200_000)
      .thenEmits([{ type: "MachineAdopted", data: machine() }]);
  });
});

describe("when the lease is active", () => {
  it("touches the lease and records telemetry", () => {
    given(active)
      .when({ type: "Heartbeat", telemetry: sample(t0 + 20_000) }, t0 + 20_000)
      .thenEmits([{ type: "Heartbeat", data: { telemetry: sample(t0 + 20_000) } }]);
  });
  it("clamps a new idle timeout to a day and leaves out an unchanged one", () => {
    given(active)
      .when({ type: "Heartbeat", idleTimeoutSeconds: 999_999.7 }, t0 + 20_000)
      .thenEmits([{ type: "Heartbeat", data: { idleTimeoutSeconds: 86_400 } }]);
    given(active)
      .when({ type: "Heartbeat", idleTimeoutSeconds: 1800 }, t0 + 20_000)
      .thenEmits([{ type: "Heartbeat", data: {} }]);
    given(active)
      .when({ type: "Heartbeat", idleTimeoutSeconds: -5 }, t0 + 20_000)
      .thenEmits([{ type: "Heartbeat", data: {} }]);
  });
  it("never lets a heartbeat push expiry past the TTL", () => {
    const late = t0 + 5_000_000;
    const history = [
      ...active,
      ...at<LeaseEvent>(late, { type: "Heartbeat", data: { idleTimeoutSeconds: 86_400 } }),
    ];
    expect(given(history).state.expiresAt).toBe(t0 + 5_400_000);
  });
  it("refuses a heartbeat once the lease is past its expiry, instead of reviving it", () => {
    given(active)
      .when({ type: "Heartbeat" }, t0 + 10_000 + 1_800_000)
      .thenThrows("lease_ended");
  });
  it("releases and requests the machine's deletion unless the lease keeps it", () => {
    given(active)
      .when({ type: "Release", releasedBy: "peter@example.com" }, t0 + 60_000)
      .thenEmits([
        { type: "Released", data: { releasedBy: "peter@example.com", deleteMachine: true } },
        { type: "MachineDeleteRequested", data: { cloudID: "local-1", reason: "released" } },
      ]);
    const kept = [
      ...at<LeaseEvent>(t0, { type: "LeaseRequested", data: leaseRequest({ keep: true }) }),
      ...provisioned,
    ];
    given(kept)
      .when({ type: "Release", releasedBy: "p" }, t0 + 60_000)
      .thenEmits([{ type: "Released", data: { releasedBy: "p", deleteMachine: false } }]);
    given(kept)
      .when({ type: "Release", releasedBy: "p", delete: true }, t0 + 60_000)
      .thenEmits([
        { type: "Released", data: { releasedBy: "p", deleteMachine: true } },
        { type: "MachineDeleteRequested", data: { cloudID: "local-1", reason: "released" } },
      ]);
  });
  it("does not expire before its time, and expires by idle or TTL when due", () => {
    given(active)
      .when({ type: "Expire" }, t0 + 60_000)
      .thenNothingHappens();
    given(active)
      .when({ type: "Expire" }, t0 + 10_000 + 1_800_000)
      .thenEmits([
        { type: "Expired", data: { reason: "idle", expiresAt: t0 + 1_810_000 } },
        { type: "MachineDeleteRequested", data: { cloudID: "local-1", reason: "expired" } },
      ]);
    const shortTtl = [
      ...at<LeaseEvent>(t0, { type: "LeaseRequested", data: leaseRequest({ ttlSeconds: 600 }) }),
      ...provisioned,
    ];
    expect(
      given(shortTtl)
        .when({ type: "Expire" }, t0 + 600_000)
        .events()[0],
    ).toEqual({ type: "Expired", data: { reason: "ttl", expiresAt: t0 + 600_000 } });
  });
  it("changes the share and ignores an identical one", () => {
    given(active)
      .when(
        { type: "ChangeShare", users: { "friend@example.com": "use" }, changedBy: "peter@example.com" },
        t0 + 1,
      )
      .thenEmits([
        {
          type: "ShareChanged",
          data: { users: { "friend@example.com": "use" }, changedBy: "peter@example.com" },
        },
      ]);
    const shared = [
      ...active,
      ...at<LeaseEvent>(t0 + 1, {
        type: "ShareChanged",
        data: { users: { "friend@example.com": "use" }, org: "manage", changedBy: "p" },
      }),
    ];
    given(shared)
      .when(
        { type: "ChangeShare", users: { "friend@example.com": "use" }, org: "manage", changedBy: "q" },
        t0 + 2,
      )
      .thenNothingHappens();
    expect(given(shared).state.share).toEqual({
      users: { "friend@example.com": "use" },
      org: "manage",
      updatedAt: t0 + 1,
      updatedBy: "p",
    });
  });
  it("refuses to delete the machine of a live lease", () => {
    given(active)
      .when({ type: "RequestMachineDelete", reason: "admin" }, t0 + 1)
      .thenThrows("illegal_transition");
  });
  it("refuses a second, different machine", () => {
    given(active)
      .when({ type: "RecordMachineProvisioned", machine: machine({ cloudID: "other" }) }, t0 + 1)
      .thenThrows("illegal_transition");
    given(active)
      .when({ type: "RecordMachineProvisioned", machine: machine() }, t0 + 1)
      .thenNothingHappens();
  });
});

describe("when the lease has ended", () => {
  it("decides nothing on release or expiry and keeps its timestamps", () => {
    const spec = given(released);
    spec.when({ type: "Release", releasedBy: "again" }, t0 + 90_000).thenNothingHappens();
    spec.when({ type: "Expire" }, t0 + 9_000_000).thenNothingHappens();
    expect(spec.state).toMatchObject({ state: "released", releasedAt: t0 + 60_000, endedAt: t0 + 60_000 });
  });
  it("refuses heartbeats and share changes", () => {
    given(released)
      .when({ type: "Heartbeat" }, t0 + 61_000)
      .thenThrows("lease_ended");
    given(released)
      .when({ type: "ChangeShare", users: {}, changedBy: "p" }, t0 + 61_000)
      .thenThrows("lease_ended");
  });
  it("records a failed delete with its attempt number and retry time, then the deletion", () => {
    given(released)
      .when(
        {
          type: "RecordMachineDeleteFailed",
          cloudID: "local-1",
          message: "timeout",
          nextAttemptAt: t0 + 120_000,
        },
        t0 + 61_000,
      )
      .thenEmits([
        {
          type: "MachineDeleteFailed",
          data: { cloudID: "local-1", attempt: 1, message: "timeout", nextAttemptAt: t0 + 120_000 },
        },
      ]);
    const failedOnce = [
      ...released,
      ...at<LeaseEvent>(t0 + 61_000, {
        type: "MachineDeleteFailed",
        data: { cloudID: "local-1", attempt: 1, message: "timeout", nextAttemptAt: t0 + 120_000 },
      }),
    ];
    expect(
      given(failedOnce)
        .when(
          {
            type: "RecordMachineDeleteFailed",
            cloudID: "local-1",
            message: "again",
            nextAttemptAt: t0 + 240_000,
          },
          t0 + 120_000,
        )
        .events()[0]?.data,
    ).toMatchObject({ attempt: 2 });
    given(failedOnce)
      .when({ type: "RecordMachineDeleted", cloudID: "local-1", alreadyGone: true }, t0 + 120_000)
      .thenEmits([{ type: "MachineDeleted", data: { cloudID: "local-1", alreadyGone: true } }]);
    const deleted = [
      ...failedOnce,
      ...at<LeaseEvent>(t0 + 120_000, {
        type: "MachineDeleted",
        data: { cloudID: "local-1", alreadyGone: true },
      }),
    ];
    expect(given(deleted).state).toMatchObject({ machineState: "deleted", deleteAttempts: 1 });
    expect(given(deleted).state.nextDeleteAttemptAt).toBeUndefined();
    given(deleted)
      .when({ type: "RecordMachineDeleted", cloudID: "local-1", alreadyGone: false }, t0 + 130_000)
      .thenNothingHappens();
    given(deleted)
      .when(
        { type: "RecordMachineDeleteFailed", cloudID: "local-1", message: "x", nextAttemptAt: 0 },
        t0 + 130_000,
      )
      .thenThrows("illegal_transition");
  });
  it("lets an operator delete a machine a kept lease left running", () => {
    const keptReleased = [
      ...at<LeaseEvent>(t0, { type: "LeaseRequested", data: leaseRequest({ keep: true }) }),
      ...provisioned,
      ...at<LeaseEvent>(t0 + 60_000, { type: "Released", data: { releasedBy: "p", deleteMachine: false } }),
    ];
    expect(given(keptReleased).state.machineState).toBe("kept");
    given(keptReleased)
      .when({ type: "RequestMachineDelete", reason: "admin" }, t0 + 70_000)
      .thenEmits([{ type: "MachineDeleteRequested", data: { cloudID: "local-1", reason: "admin" } }]);
  });
});

it("evolves without mutating the state it was given", () => {
  const before = given(active).state;
  const frozen = JSON.stringify(before);
  evolveLease(before, { type: "Heartbeat", data: { idleTimeoutSeconds: 60 }, at: t0 + 20_000 });
  expect(JSON.stringify(before)).toBe(frozen);
});
