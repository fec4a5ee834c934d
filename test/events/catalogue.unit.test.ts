import { describe, expect, it } from "vitest";
import { catalogue, upcast, validateForWrite } from "../../src/events/catalogue";
import { canonicalJson, fingerprint } from "../../src/events/fingerprint";
import { leaseRequest, sample, t0 } from "./fixtures";

describe("the catalogue", () => {
  it("upcasts a schema-1 heartbeat (ISO capturedAt) to the current schema (unix ms)", () => {
    const stored = { telemetry: { capturedAt: "2026-11-28T12:00:00.000Z", load1: 0.5 } };
    expect(upcast("Heartbeat", 1, stored)).toEqual({ telemetry: { capturedAt: t0, load1: 0.5 } });
    expect(upcast("Heartbeat", 1, { idleTimeoutSeconds: 60 })).toEqual({ idleTimeoutSeconds: 60 });
  });
  it("reads current-schema events unchanged", () => {
    expect(upcast("Heartbeat", 2, { telemetry: sample(t0) })).toEqual({ telemetry: sample(t0) });
    expect(upcast("LeaseRequested", 1, leaseRequest())).toEqual(leaseRequest());
  });
  it("refuses unknown types and schemas newer than the code", () => {
    expect(() => upcast("SomethingHappened", 1, {})).toThrowError(/unknown event type/);
    expect(() => upcast("Heartbeat", 3, {})).toThrowError(/newer than this code/);
  });
  it("refuses to write a payload that does not match its schema, naming the field", () => {
    expect(() => validateForWrite("LeaseRequested", { ...leaseRequest(), ttlSeconds: -1 })).toThrowError(
      /ttlSeconds/,
    );
  });
  it("drops fields the schema does not know (nothing unvetted reaches the log)", () => {
    expect(validateForWrite("Released", { releasedBy: "p", deleteMachine: true, token: "secret" })).toEqual({
      releasedBy: "p",
      deleteMachine: true,
    });
  });
  it("gives every event type a schema version of at least 1", () => {
    for (const entry of Object.values(catalogue)) expect(entry.schema).toBeGreaterThanOrEqual(1);
  });
});

describe("request fingerprints", () => {
  it("ignore key order and undefined fields, and differ for different requests", async () => {
    expect(canonicalJson({ b: 1, a: [1, { d: undefined, c: 2 }] })).toBe('{"a":[1,{"c":2}],"b":1}');
    expect(await fingerprint({ a: 1, b: 2 })).toBe(await fingerprint({ b: 2, a: 1 }));
    expect(await fingerprint({ a: 1 })).not.toBe(await fingerprint({ a: 2 }));
  });
});
