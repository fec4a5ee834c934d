/**
 * The archive replay under way per Fleet (docs/event-log.md#archive). Replays share the shadow
 * tables, so they run one at a time; while one streams, the alarm's archive step waits.
 */
export const replaying = new Map<DurableObjectStorage, Promise<unknown>>();

/** True while a replay streams the archive of this Fleet. */
export function archiveHeldByReplay(storage: DurableObjectStorage): boolean {
  return replaying.has(storage);
}
