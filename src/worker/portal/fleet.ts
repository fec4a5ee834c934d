import type { Env } from "../env";
import type { FleetDurableObject } from "../fleet";
import { fleetStub } from "../fleet/rpc";

/** The slice of the Fleet's RPC surface the portal reads and acts through (the API's own methods). */
export type PortalFleet = Pick<
  FleetDurableObject,
  | "getLease"
  | "listLeases"
  | "releaseLease"
  | "leaseEvents"
  | "listRuns"
  | "getRun"
  | "runLog"
  | "runEvents"
  | "usage"
  | "pool"
  | "adminEvents"
  | "replay"
  | "orphans"
>;

/**
 * The Fleet stub typed by the Durable Object's own method signatures: the generated stub
 * types collapse payloads that hold `unknown` (event data) to `never`.
 */
export function portalFleet(env: Env): PortalFleet {
  return fleetStub(env) as unknown as PortalFleet;
}
