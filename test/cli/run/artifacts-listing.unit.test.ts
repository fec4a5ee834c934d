import { describe, expect, it } from "vitest";
import { artifactLimits, collectArtifacts } from "../../../src/cli/run/artifacts";
import type { ExecOptions, SshSession } from "../../../src/cli/ssh/connect";

/** A session whose listing call streams `mib` MiB of NUL-separated names until it is aborted. */
function listingSession(mib: number) {
  const seen = { chunks: 0, aborted: false };
  const session = {
    async exec(_script: string, options: ExecOptions = {}) {
      const names = Buffer.from(`${"./junk/".padEnd(1023, "x")}\0`.repeat(1024), "utf8");
      for (let i = 0; i < mib; i++) {
        if (options.signal?.aborted) {
          seen.aborted = true;
          return { exitCode: 130, aborted: true };
        }
        seen.chunks++;
        options.onStdout?.(i === mib - 1 ? Buffer.concat([names, Buffer.from("./out/a.txt\0")]) : names);
      }
      return { exitCode: 0 };
    },
  } as unknown as SshSession;
  return { session, seen };
}

describe("artifact listing read-back", () => {
  it("stops reading a candidate listing at its bound and says it was cut", async () => {
    const { session, seen } = listingSession(64);
    const got = await collectArtifacts(session, "/w", { globs: ["out/*"], required: [], dest: "/tmp/x" });
    expect(seen.aborted).toBe(true);
    expect(seen.chunks).toBe(artifactLimits.listingBytes / (1024 * 1024));
    expect(got).toMatchObject({ entries: [], listingTruncated: true });
  });

  it("reads a listing under the bound whole", async () => {
    const { session, seen } = listingSession(2);
    const got = await collectArtifacts(session, "/w", { globs: ["nothing/*"], required: [], dest: "/tmp/x" });
    expect(seen.aborted).toBe(false);
    expect(got.listingTruncated).toBeUndefined();
  });
});
