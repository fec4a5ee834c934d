import { DurableObject } from "cloudflare:workers";
import type { Env } from "./env";

/** The one Fleet Durable Object: owner of the event log and its projections. */
export class FleetDurableObject extends DurableObject<Env> {}
