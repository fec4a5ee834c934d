import { testClockOffsetMs } from "../../test-seams";

/**
 * The Fleet's clock. Production reads `Date.now()`; workerd tests move it forward through
 * `testSeams.advanceClock` (src/test-seams.ts, honoured only in test mode) to reach expiry,
 * delete retries and provisioning deadlines without waiting, and `runDurableObjectAlarm` then
 * runs the alarm "later".
 */
export const fleetClock = {
  now(env: Record<string, unknown>): number {
    return Date.now() + testClockOffsetMs(env);
  },
  /** Real time at which a Fleet-clock instant falls (for `setAlarm`). */
  toRealTime(fleetMs: number, env: Record<string, unknown>): number {
    return fleetMs - testClockOffsetMs(env);
  },
  /** A real alarm time read back from storage, as a Fleet-clock instant. */
  fromRealTime(realMs: number, env: Record<string, unknown>): number {
    return realMs + testClockOffsetMs(env);
  },
};
