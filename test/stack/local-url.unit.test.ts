import { describe, expect, it } from "vitest";
import { isLocalStackUrl } from "../../src/stack";

describe("recognising the local stack's URL in a user config", () => {
  it("accepts loopback on the stack's port, default 8787", () => {
    expect(isLocalStackUrl("http://127.0.0.1:8787", {})).toBe(true);
    expect(isLocalStackUrl("http://localhost:8787/", {})).toBe(true);
  });

  it("follows CRABBOX_PORT", () => {
    expect(isLocalStackUrl("http://127.0.0.1:9100", { CRABBOX_PORT: "9100" })).toBe(true);
    expect(isLocalStackUrl("http://127.0.0.1:8787", { CRABBOX_PORT: "9100" })).toBe(false);
  });

  it("rejects remote coordinators, other schemes and garbage", () => {
    expect(isLocalStackUrl("https://crabbox.example.com", {})).toBe(false);
    expect(isLocalStackUrl("https://127.0.0.1:8787", {})).toBe(false);
    expect(isLocalStackUrl("http://10.0.0.5:8787", {})).toBe(false);
    expect(isLocalStackUrl("not a url", {})).toBe(false);
  });
});
