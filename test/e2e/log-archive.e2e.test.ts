import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useLocalStack } from "./local-stack-suite";

/**
 * The archive end to end: CLI `main` → Worker → Fleet DO in workerd, whose alarm moves an
 * ended lease to the R2 bucket miniflare provides; time is compressed by settings (archive
 * 1 ms after the end) and the test waits on the archived state, never on a sleep.
 */
describe("the event archive through the local stack", () => {
  const local = useLocalStack({
    coordinatorVars: { CRABBOX_ARCHIVE_AFTER_MS: "1", CRABBOX_ARCHIVE_RETRY_MS: "200" },
    cliEnv: { CI: "e2e" },
  });
  const cli = local.cli;

  async function streamEvents(stream: string): Promise<{ seq: number; archivedIn?: string }[]> {
    const res = await cli("admin", "events", "--stream", stream, "--json");
    expect(res.code, res.stderr).toBe(0);
    return JSON.parse(res.stdout).events;
  }

  it("archives an ended lease to R2, and its trail, export, verify and replay still hold", async () => {
    const first = await cli("warmup", "--json");
    expect(first.code, first.stderr).toBe(0);
    const ended = JSON.parse(first.stdout);
    const second = await cli("warmup", "--json");
    expect(second.code, second.stderr).toBe(0);
    const live = JSON.parse(second.stdout);
    const stream = `lease:${ended.leaseID}`;
    for (let i = 0; i < 3; i++) expect((await cli("heartbeat", ended.slug)).code).toBe(0);
    const trail = await streamEvents(stream);
    expect((await cli("stop", ended.slug)).code).toBe(0);
    // A later event, so the ended lease does not hold the log's head.
    expect((await cli("stop", live.slug)).code).toBe(0);

    const deadline = Date.now() + 90_000;
    let archived = await streamEvents(stream);
    while (!archived.every((e) => e.archivedIn) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      archived = await streamEvents(stream);
    }
    expect(archived.length).toBeGreaterThan(trail.length);
    expect(archived.every((e) => e.archivedIn?.startsWith(`events/v1/lease/${ended.leaseID}/`))).toBe(true);

    // The trail as sentences reads the same from the archive (docs/event-log.md#the-trail-as-sentences).
    const sentences = await cli("events", "--lease", ended.leaseID);
    expect(sentences.code, sentences.stderr).toBe(0);
    const lines = sentences.stdout.split("\n");
    expect(lines[0]).toMatch(
      new RegExp(
        `^${ended.slug} \\(${ended.leaseID}\\) released: The lease released .*; its machine is deleted\\.$`,
      ),
    );
    expect(sentences.stdout).toMatch(/requested by \S+: class \S+ on local, TTL /);
    // One collapsed row: the three heartbeats sent above (and any the CLI sent itself).
    const beats = [...sentences.stdout.matchAll(/^ +\d+-\d+ .* (\d+) heartbeats$/gm)];
    expect(beats).toHaveLength(1);
    expect(Number(beats[0]?.[1])).toBeGreaterThanOrEqual(3);
    expect(sentences.stdout).toMatch(/released by \S+; the machine is to be deleted/);
    const raw = await cli("events", "--lease", ended.leaseID, "--json");
    expect(JSON.parse(raw.stdout).events.map((e: { seq: number }) => e.seq)).toEqual(
      archived.map((e) => e.seq),
    );

    const exported = await cli("admin", "export", "--since", "1970-01-01T00:00:00Z");
    expect(exported.code, exported.stderr).toBe(0);
    writeFileSync(join(local.repo.root, "log.ndjson"), exported.stdout);
    for (const e of archived) expect(exported.stdout).toContain(`"seq":${e.seq},`);
    const verified = await cli("admin", "verify-export", "log.ndjson");
    expect(verified.code, verified.stdout).toBe(0);

    const replay = await cli("admin", "replay", "--json");
    expect(replay.code, replay.stdout).toBe(0);
    expect(JSON.parse(replay.stdout)).toMatchObject({ ok: true, differences: [] });
  });
});
