import { DurableObject } from "cloudflare:workers";

export interface Env {
  FLEET: DurableObjectNamespace<FleetDurableObject>;
}

export class FleetDurableObject extends DurableObject<Env> {
  ping(): number {
    this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS t (x INTEGER)");
    this.ctx.storage.sql.exec("INSERT INTO t VALUES (1)");
    return this.ctx.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM t").one().n;
  }
}

export default {
  async fetch(_req: Request, env: Env): Promise<Response> {
    const stub = env.FLEET.get(env.FLEET.idFromName("fleet"));
    return Response.json({ n: await stub.ping() });
  },
} satisfies ExportedHandler<Env>;
