import { describe, expect, it } from "vitest";
import { chunkUtf8, TailBuffer } from "../../../src/cli/run/recorder";

describe("run log helpers", () => {
  it("chunks on UTF-8 boundaries without losing or splitting characters", () => {
    const text = "ab€cd😀e".repeat(50);
    const chunks = chunkUtf8(text, 7);
    expect(chunks.join("")).toBe(text);
    for (const c of chunks) {
      expect(Buffer.byteLength(c)).toBeLessThanOrEqual(7);
      expect(c).not.toContain("\uFFFD");
    }
  });

  it("keeps only the tail and says so", () => {
    const tail = new TailBuffer(10);
    tail.append(Buffer.from("0123456789"));
    tail.append(Buffer.from("abcdef"));
    expect(tail.text()).toBe("6789abcdef");
    expect(tail.truncated).toBe(true);
  });
});
