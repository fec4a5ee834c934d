import { DurableObject } from "cloudflare:workers";
import { applyMigrations } from "../events/migrate";
import { migrations } from "../events/migrations";
import { EventStore } from "../events/store";
import type { Env } from "./env";

/** The one Fleet Durable Object: owner of the event log and its projections. */
export class FleetDurableObject extends DurableObject<Env> {
  /** The event store; every state change goes through `store.execute(...)`. */
  readonly store: EventStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new EventStore(ctx.storage);
    // No request may see a half-migrated schema; a throw here resets the object.
    void ctx.blockConcurrencyWhile(async () => {
      applyMigrations(ctx.storage, migrations, Date.now());
    });
  }
}
