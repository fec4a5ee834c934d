/**
 * The alarm's retention work (docs/event-log.md, "Retention" and "Archive"), one bounded batch
 * of each per alarm run: prune dedupe records, archive ended streams to R2, age projection rows.
 */
import type { FleetDeps } from "../deps";
import { ageingBatch, ageProjections } from "./age-projections";
import { archiveStep, nextArchiveDue } from "./archiver";
import { nextPruneDue, pruneBatch, pruneCommands } from "./prune-commands";
import { nextAgeingDue } from "./tombstones";

/** The earliest retention work due (Fleet-clock ms), or undefined. */
export function retentionDue(deps: FleetDeps): number | undefined {
  const times = [
    nextPruneDue(deps.sql, deps.settings.dedupeRetentionMs),
    nextArchiveDue(deps),
    nextAgeingDue(deps.sql, deps.settings.historyRetentionMs),
  ].filter((t): t is number => t !== undefined);
  return times.length ? Math.min(...times) : undefined;
}

export interface RetentionResult {
  pruned: number;
  archivedEvents: number;
  aged: number;
}

/** One batch of each; a full batch leaves its work due, so the alarm re-arms at once. */
export async function runRetention(deps: FleetDeps, now: number): Promise<RetentionResult> {
  const pruned = pruneCommands(deps.sql, now, deps.settings.dedupeRetentionMs, pruneBatch);
  const archived = await archiveStep(deps, now);
  const aged = ageProjections(deps.storage, now, deps.settings.historyRetentionMs, ageingBatch);
  return { pruned, archivedEvents: archived.events, aged };
}
