import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mergePage } from "../../../src/worker/fleet/archive/archive-reader";

/**
 * Pages through a log split between a live table and archive objects the way the export and
 * events routes do: each side is read "complete up to" some seq, and `next` carries on.
 */
function pageAll(liveSeqs: number[], archivedSeqs: number[], limit: number, window: number): number[] {
  const seen: number[] = [];
  let after = 0;
  for (let guard = 0; guard < 10_000; guard += 1) {
    const liveRows = liveSeqs.filter((s) => s > after).slice(0, limit + 1);
    const liveComplete = liveRows.length > limit ? (liveRows[limit - 1] ?? 0) : Number.POSITIVE_INFINITY;
    // The archive side reads a bounded window of seqs past `after` (fewer objects than exist).
    const archiveComplete = archivedSeqs.some((s) => s > after + window)
      ? after + window
      : Number.POSITIVE_INFINITY;
    const archived = archivedSeqs.filter((s) => s > after && s <= archiveComplete);
    const page = mergePage(
      liveRows.slice(0, limit).map((seq) => ({ seq })),
      liveComplete,
      archived.map((seq) => ({ seq })),
      archiveComplete,
      limit,
    );
    seen.push(...page.items.map((i) => i.seq));
    if (page.next === null) return seen;
    expect(page.next).toBeGreaterThan(after);
    after = page.next;
  }
  throw new Error("paging did not end");
}

describe("merging live and archived pages", () => {
  it("returns every event exactly once, in seq order, whatever the split and page size", () => {
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { maxLength: 200 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 30 }),
        (archivedFlags, limit, window) => {
          const live: number[] = [];
          const archived: number[] = [];
          archivedFlags.forEach((isArchived, i) => {
            (isArchived ? archived : live).push(i + 1);
          });
          expect(pageAll(live, archived, limit, window)).toEqual(archivedFlags.map((_, i) => i + 1));
        },
      ),
    );
  });

  it("ends a page early where the archive is complete, and says where to go on", () => {
    const page = mergePage([{ seq: 9 }], Number.POSITIVE_INFINITY, [{ seq: 2 }, { seq: 4 }], 5, 10);
    expect(page).toEqual({ items: [{ seq: 2 }, { seq: 4 }], next: 5 });
  });
});
