import { spawn } from "node:child_process";
import { once } from "node:events";
import type { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { heldStdout } from "../../../src/cli/process/child-output";

async function readAll(stream: Readable): Promise<string> {
  let text = "";
  for await (const chunk of stream) text += chunk.toString();
  return text;
}

describe("a child's output read after the child exited", () => {
  it("is lost from the bare stdout stream (what Node does to unread stdio)", async () => {
    const child = spawn("printf", ["bundle-bytes"], { stdio: ["ignore", "pipe", "ignore"] });
    await once(child, "exit");
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await readAll(child.stdout)).toBe("");
  });

  it("is kept whole by heldStdout, however late the reader comes", async () => {
    const child = spawn("printf", ["bundle-bytes"], { stdio: ["ignore", "pipe", "ignore"] });
    const held = heldStdout(child);
    await once(child, "exit");
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await readAll(held)).toBe("bundle-bytes");
  });
});
