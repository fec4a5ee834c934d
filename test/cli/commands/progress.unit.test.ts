import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createProgress, humanBytes } from "../../../src/cli/output/progress";

function capture(tty: boolean) {
  const stream = Object.assign(new PassThrough(), { isTTY: tty });
  let text = "";
  stream.on("data", (c) => (text += c));
  return { stream, text: () => text };
}

describe("progress on stderr", () => {
  it("prints one plain line per phase when stderr is not a terminal", () => {
    const out = capture(false);
    const p = createProgress(out.stream);
    p.phase("sync upload", "1 files");
    p.phase("sync upload", "2 files");
    p.bytes(1024, 4096);
    p.phase("running");
    p.warn("careful");
    p.done();
    expect(out.text()).toBe("sync upload 1 files\nrunning\nwarning: careful\n");
  });

  it("redraws one line with a spinner, phase and byte counts on a terminal", () => {
    const out = capture(true);
    const p = createProgress(out.stream);
    p.phase("syncing");
    p.bytes(1536, 10 * 1024 * 1024);
    p.info("leased cbx_x");
    p.done();
    const text = out.text();
    expect(text).toContain("\r\x1b[2K");
    expect(text).toContain("syncing 1.5 KiB / 10.0 MiB");
    expect(text).toContain("leased cbx_x\n");
    expect(text.endsWith("\r\x1b[2K")).toBe(true);
  });

  it("formats bytes in binary units", () => {
    expect(humanBytes(12)).toBe("12 B");
    expect(humanBytes(13_002_342)).toBe("12.4 MiB");
  });
});
