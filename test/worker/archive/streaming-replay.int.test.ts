/**
 * Replay across the archive streams each object (docs/event-log.md#archive): an archive many
 * times larger than what the replay holds at once replays exactly, a line past the bound is
 * refused, and an object that no longer matches its tombstone fails the replay without leaving
 * shadow tables behind.
 */

import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { gunzipWhole } from "../../../src/worker/fleet/archive/archive-object";
import type { ArchiveReplayStats } from "../../../src/worker/fleet/archive/archive-replay";
import { replayAcrossArchive } from "../../../src/worker/fleet/archive/archive-replay";
import { streamArchivedObject } from "../../../src/worker/fleet/archive/archive-stream";
import { archiveStep, maxEventsPerObject } from "../../../src/worker/fleet/archive/archiver";
import { allTombstones } from "../../../src/worker/fleet/archive/tombstones";
import { fleetDeps } from "../../../src/worker/fleet/deps";
import { day, endedLease, endedLongLease, liveLease, newLeaseID } from "./support";

const bucket = () => (env as unknown as { ARCHIVE: R2Bucket }).ARCHIVE;
const fleet = () => env.FLEET.get(env.FLEET.idFromName(`stream-replay-${crypto.randomUUID()}`));

describe("replaying a large archive as a stream", () => {
  it("replays an archive of several megabytes exactly while holding a small fraction of it at once", async () => {
    await runInDurableObject(fleet(), async (fleetDO, state) => {
      const deps = fleetDeps(state.storage, fleetDO.store, env as unknown as Record<string, unknown>);
      const now = Date.now();
      // Two long leases (each more than one object) and a few short ones, then a live one.
      endedLongLease(fleetDO.store, newLeaseID(), now - 20 * day, 2_600);
      for (let i = 0; i < 3; i++) endedLease(fleetDO.store, newLeaseID(), now - 15 * day + i, 40);
      endedLongLease(fleetDO.store, newLeaseID(), now - 12 * day, 2_300);
      liveLease(fleetDO.store, newLeaseID(), now - 1_000);
      const head = fleetDO.store.head();
      for (let step = 0; step < 20; step++) {
        const done = await archiveStep(deps, now);
        if (done.objects === 0) break;
      }
      const tombstones = allTombstones(state.storage.sql);
      expect(tombstones.length).toBeGreaterThanOrEqual(7);
      expect(tombstones.every((t) => t.events <= maxEventsPerObject)).toBe(true);
      const archived = tombstones.reduce((n, t) => n + t.events, 0);
      expect(archived).toBe(head - 2);

      // No object read ahead whole: each one streams.
      const stats: ArchiveReplayStats = { objects: 0, chars: 0, peakHeldChars: 0 };
      const report = await replayAcrossArchive(deps, stats, { readAheadMaxBytes: 0 });
      expect(report.differences).toEqual([]);
      expect(report.snapshotDifferences).toEqual([]);
      expect(report).toMatchObject({ ok: true, eventsReplayed: head });
      expect(stats.objects).toBe(tombstones.length);
      expect(stats.chars).toBeGreaterThan(2_000_000);
      // One decompressed chunk plus an unfinished line, never the archive nor one whole object.
      expect(stats.peakHeldChars).toBeLessThan(stats.chars / 20);

      // Small objects read ahead and decompressed whole replay to the same rows, holding at
      // most the largest object's text at once.
      const ahead: ArchiveReplayStats = { objects: 0, chars: 0, peakHeldChars: 0 };
      const again = await replayAcrossArchive(deps, ahead);
      expect(again).toEqual(report);
      expect(ahead.chars).toBe(stats.chars);
      expect(ahead.peakHeldChars).toBeGreaterThan(stats.peakHeldChars);
      expect(ahead.peakHeldChars).toBeLessThan(stats.chars / 2);
    });
  });

  it("streams an object that decompresses past the one-step bound instead of inflating it whole", () => {
    const bomb = gzipSync(new Uint8Array(17 * 1024 * 1024));
    expect(bomb.byteLength).toBeLessThan(64 * 1024);
    expect(gunzipWhole(bomb)).toBeUndefined();
    expect(gunzipWhole(gzipSync(new TextEncoder().encode("{}\n")))?.byteLength).toBe(3);
  });

  it("refuses a line longer than the bound instead of buffering it", async () => {
    await runInDurableObject(fleet(), async (fleetDO, state) => {
      const deps = fleetDeps(state.storage, fleetDO.store, env as unknown as Record<string, unknown>);
      const now = Date.now();
      endedLease(fleetDO.store, newLeaseID(), now - 10 * day, 5);
      liveLease(fleetDO.store, newLeaseID(), now - 1_000);
      await archiveStep(deps, now);
      const [tombstone] = allTombstones(state.storage.sql);
      const lines: unknown[] = [];
      await expect(streamArchivedObject(deps, tombstone!, (line) => lines.push(line), 100)).rejects.toThrow(
        /has a line over 100 characters/,
      );
      const read = await streamArchivedObject(deps, tombstone!, (line) => lines.push(line));
      expect(read.lines).toBe(tombstone?.events);
    });
  });

  it("fails the replay when an object no longer matches its tombstone, and drops its shadow tables", async () => {
    await runInDurableObject(fleet(), async (fleetDO, state) => {
      const deps = fleetDeps(state.storage, fleetDO.store, env as unknown as Record<string, unknown>);
      const now = Date.now();
      endedLease(fleetDO.store, newLeaseID(), now - 10 * day, 5);
      liveLease(fleetDO.store, newLeaseID(), now - 1_000);
      await archiveStep(deps, now);
      const [tombstone] = allTombstones(state.storage.sql);
      const original = new Uint8Array(await (await bucket().get(tombstone!.objectKey))!.arrayBuffer());
      // The same events, compressed again: valid gzip NDJSON, other bytes than the tombstone's hash.
      const text = await new Response(
        new Blob([original]).stream().pipeThrough(new DecompressionStream("gzip")),
      ).text();
      const edited = text.replace('"load1":0.42', '"load1":0.43');
      const recompressed = new Response(
        new Blob([edited]).stream().pipeThrough(new CompressionStream("gzip")),
      );
      await bucket().put(tombstone!.objectKey, await recompressed.arrayBuffer());
      await expect(replayAcrossArchive(deps)).rejects.toThrow(/does not match its tombstone/);
      expect(
        state.storage.sql.exec("SELECT name FROM sqlite_master WHERE name LIKE 'shadow_%'").toArray(),
      ).toEqual([]);
      await bucket().put(tombstone!.objectKey, original);
      expect((await replayAcrossArchive(deps)).ok).toBe(true);
    });
  });
});
