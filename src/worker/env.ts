import type { FleetDurableObject } from "./fleet";

/** Bindings and variables of the coordinator Worker. Documented in docs/deploy.md. */
export interface Env {
  FLEET: DurableObjectNamespace<FleetDurableObject>;
  [variable: string]: unknown;
}
