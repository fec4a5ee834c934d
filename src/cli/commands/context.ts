import type { BaseContext } from "./clipanion";

/** What every command runs against; tests pass their own streams, env and cwd to `main`. */
export interface CrabboxContext extends BaseContext {
  cwd: string;
  /** Aborted on the first SIGINT/SIGTERM: commands stop remote work and still release. */
  signal: AbortSignal;
}
