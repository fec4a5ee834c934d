/** Every inline projection, in application order (usage reads the lease row, so it follows leases). */
import { leaseHeartbeatsProjection } from "./lease-heartbeats";
import { leasesProjection } from "./leases";
import { poolMachinesProjection } from "./pool-machines";
import type { Projection } from "./projection";
import { runEventsProjection } from "./run-events";
import { runLogsProjection } from "./run-logs";
import { runsProjection } from "./runs";
import { usageProjection } from "./usage";

export const inlineProjections: readonly Projection[] = [
  leasesProjection,
  leaseHeartbeatsProjection,
  usageProjection,
  runsProjection,
  runEventsProjection,
  runLogsProjection,
  poolMachinesProjection,
];
