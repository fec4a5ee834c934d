import type { CrabboxRouter } from "../router";

/** Lease, run, usage, pool and admin routes are registered here by the fleet API. */
export function registerFleetRoutes(_router: CrabboxRouter): void {}
