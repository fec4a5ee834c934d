import { describe, it } from "vitest";
import type { PoolEvent } from "../../src/events/catalogue";
import { poolDecider } from "../../src/events/pool-decider";
import { t0 } from "./fixtures";
import { at, deciderSpec } from "./given";

const given = deciderSpec(poolDecider);
const id = "cbx_abcdef123456";
const machine = {
  cloudID: "local-7",
  serverID: 0,
  serverName: "crabbox-pool-123456",
  host: "127.0.0.1",
  sshUser: "crabbox",
  sshPort: "2222",
  sshFallbackPorts: ["22"],
  workRoot: "/work/crabbox",
  serverType: "local",
  estimatedHourlyUSD: 0,
  maxEstimatedUSD: 0,
  provisioningAttempts: [],
};
const requested = at<PoolEvent>(t0, {
  type: "PoolMachineRequested",
  data: {
    poolMachineID: id,
    provider: "local",
    class: "beast",
    serverType: "local",
    provisioningDeadlineAt: t0 + 1000,
  },
});
const ready = at<PoolEvent>(t0 + 10, { type: "PoolMachineReady", data: machine });
const claimed = at<PoolEvent>(t0 + 20, {
  type: "PoolMachineClaimed",
  data: { leaseID: "cbx_111111111111", cloudID: "local-7" },
});

describe("a pool machine's stream", () => {
  it("lets exactly one lease claim a ready machine", () => {
    given([...requested, ...ready])
      .when({ type: "ClaimPoolMachine", leaseID: "cbx_111111111111" }, t0 + 20)
      .thenEmits([{ type: "PoolMachineClaimed", data: { leaseID: "cbx_111111111111", cloudID: "local-7" } }]);
    given([...requested, ...ready, ...claimed])
      .when({ type: "ClaimPoolMachine", leaseID: "cbx_222222222222" }, t0 + 30)
      .thenThrows("illegal_transition");
  });
  it("refuses a claim of a machine still booting", () => {
    given([...requested])
      .when({ type: "ClaimPoolMachine", leaseID: "cbx_111111111111" }, t0 + 5)
      .thenThrows("illegal_transition");
  });
  it("never expires a claimed machine for its age: its lease owns it", () => {
    given([...requested, ...ready, ...claimed])
      .when({ type: "ExpirePoolMachine", reason: "ready_age" }, t0 + 99)
      .thenNothingHappens();
  });
  it("expires a claimed machine whose hand-over failed or whose lease never took it", () => {
    for (const reason of ["handover_failed", "claim_abandoned"] as const)
      given([...requested, ...ready, ...claimed])
        .when({ type: "ExpirePoolMachine", reason }, t0 + 30)
        .thenEmits([{ type: "PoolMachineExpired", data: { reason, cloudID: "local-7" } }]);
    // Such a reason never takes a machine that is simply ready.
    given([...requested, ...ready])
      .when({ type: "ExpirePoolMachine", reason: "handover_failed" }, t0 + 30)
      .thenNothingHappens();
  });
  it("records a machine that turned up after its create was given up, and expires it at once", () => {
    const failed = at<PoolEvent>(t0 + 2000, {
      type: "PoolMachineFailed",
      data: { code: "timeout", message: "late" },
    });
    given([...requested, ...failed])
      .when({ type: "RecordPoolMachineReady", machine }, t0 + 3000)
      .thenEmits([
        { type: "PoolMachineReady", data: machine },
        { type: "PoolMachineExpired", data: { reason: "create_unknown", cloudID: "local-7" } },
      ]);
  });
  it("records a deletion only after an expiry, and only once", () => {
    const expired = at<PoolEvent>(t0 + 30, {
      type: "PoolMachineExpired",
      data: { reason: "ready_age", cloudID: "local-7" },
    });
    given([...requested, ...ready, ...expired])
      .when({ type: "RecordPoolMachineDeleted", alreadyGone: false }, t0 + 40)
      .thenEmits([{ type: "PoolMachineDeleted", data: { alreadyGone: false, cloudID: "local-7" } }]);
    given([...requested, ...ready])
      .when({ type: "RecordPoolMachineDeleted", alreadyGone: false }, t0 + 40)
      .thenNothingHappens();
  });
});
