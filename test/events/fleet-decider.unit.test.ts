import { describe, expect, it } from "vitest";
import type { FleetEvent } from "../../src/events/catalogue";
import { fleetDecider } from "../../src/events/fleet-decider";
import { t0 } from "./fixtures";
import { at, deciderSpec } from "./given";

const given = deciderSpec(fleetDecider);
const orphan = {
  provider: "hetzner",
  cloudID: "4711",
  name: "crabbox-blue-prawn-c80c2195",
  labels: { crabbox: "true", lease: "cbx_abcdef123456" },
  leaseID: "cbx_abcdef123456",
};
const detected = at<FleetEvent>(t0, { type: "OrphanDetected", data: orphan });

describe("the fleet stream", () => {
  it("records an orphan once, however often the sweep sees it", () => {
    given([])
      .when({ type: "RecordOrphanDetected", ...orphan }, t0)
      .thenEmits([{ type: "OrphanDetected", data: orphan }]);
    given(detected)
      .when({ type: "RecordOrphanDetected", ...orphan }, t0 + 60_000)
      .thenNothingHappens();
    expect(given(detected).state.openOrphans).toEqual({ "hetzner:4711": t0 });
  });
  it("records the deletion of a detected orphan and closes it", () => {
    given(detected)
      .when({ type: "RecordOrphanDeleted", provider: "hetzner", cloudID: "4711", alreadyGone: true }, t0 + 1)
      .thenEmits([
        { type: "OrphanDeleted", data: { provider: "hetzner", cloudID: "4711", alreadyGone: true } },
      ]);
    const deleted = [
      ...detected,
      ...at<FleetEvent>(t0 + 1, {
        type: "OrphanDeleted",
        data: { provider: "hetzner", cloudID: "4711", alreadyGone: true },
      }),
    ];
    expect(given(deleted).state.openOrphans).toEqual({});
  });
  it("refuses to record the deletion of a machine it never detected", () => {
    given([])
      .when({ type: "RecordOrphanDeleted", provider: "aws", cloudID: "i-1", alreadyGone: false }, t0)
      .thenThrows("illegal_transition");
  });
});
