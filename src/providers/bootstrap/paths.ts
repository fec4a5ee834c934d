/** Written by the Linux bootstrap when it finished: the readiness marker the CLI and the pool agent check. */
export const readinessMarkerPath = "/var/lib/crabbox/bootstrapped";
