/**
 * The Fleet's clock. Production reads `Date.now()`; workerd tests (same isolate as the Durable
 * Object) move it forward to reach expiry, delete retries and provisioning deadlines without
 * waiting, and `runDurableObjectAlarm` then runs the alarm "later".
 */
export const fleetClock = {
  offsetMs: 0,
  now(): number {
    return Date.now() + this.offsetMs;
  },
  /** Real time at which a Fleet-clock instant falls (for `setAlarm`). */
  toRealTime(fleetMs: number): number {
    return fleetMs - this.offsetMs;
  },
};
