import { describe, expect, it } from "vitest";
import { catalogue, type EventType, eventTypesOn, type StreamKind } from "../../src/events/catalogue";
import { inlineProjections } from "../../src/projections/inline";

const typesOf = (stream: StreamKind) =>
  (Object.keys(catalogue) as EventType[]).filter((type) => catalogue[type].stream === stream).sort();

const handled = (name: string) => [...(inlineProjections.find((p) => p.name === name)?.handles ?? [])].sort();

describe("each projection's handled events come from the catalogue", () => {
  it("names a stream kind for every event type", () => {
    for (const entry of Object.values(catalogue))
      expect(["lease", "run", "pool", "fleet"]).toContain(entry.stream);
  });
  it("folds every lease event into the leases row and every run event into the runs row", () => {
    expect(handled("leases")).toEqual(typesOf("lease"));
    expect(handled("runs")).toEqual(typesOf("run"));
    expect(handled("pool_machines")).toEqual(typesOf("pool"));
  });
  it("keeps each projection to the events of one stream kind", () => {
    for (const projection of inlineProjections) {
      const kinds = new Set([...projection.handles].map((type) => catalogue[type as EventType]?.stream));
      expect(kinds.size, projection.name).toBe(1);
      expect([...kinds][0], projection.name).toBeDefined();
    }
  });
  it("narrows a stream's events with only and except", () => {
    expect([...eventTypesOn("run", { only: ["RunFinished"] })]).toEqual(["RunFinished"]);
    expect([...eventTypesOn("run", { except: ["RunTelemetryRecorded"] })]).toEqual([
      "RunStarted",
      "RunEventAppended",
      "RunFinished",
    ]);
    expect(handled("lease_usage")).toEqual(
      typesOf("lease").filter((type) => type !== "Heartbeat" && type !== "ShareChanged"),
    );
  });
});
