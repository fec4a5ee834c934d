/**
 * Whether a job releases its lease afterwards (docs/cli.md "Jobs"), the reference's `stop`
 * policy: `auto` releases a lease the job created and keeps one passed with `--id`; `always`
 * and `never` mean what they say; `success`/`failure` release only after that outcome (an
 * interrupted job counts as failed). Pure.
 */
import type { JobStopPolicy } from "../config/jobs-schema";

export function releasesLease(
  policy: JobStopPolicy,
  outcome: { created: boolean; succeeded: boolean },
): boolean {
  switch (policy) {
    case "auto":
      return outcome.created;
    case "always":
      return true;
    case "never":
      return false;
    case "success":
      return outcome.succeeded;
    case "failure":
      return !outcome.succeeded;
  }
}
