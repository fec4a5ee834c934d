/**
 * The heartbeat bench's Worker: the coordinator's own router and Fleet object, plus one route
 * that exists only here, `POST /v1/bench/durable-write`. It takes the heartbeat's body through
 * the same pipeline (body cap, bearer auth, zod, RPC with the same arguments) and makes the
 * least durable write there is, one small row, group-committed like heartbeats, before
 * answering: the floor under any heartbeat
 * that is recorded before it is acknowledged. The bench prints it beside the no-op and the
 * heartbeat so that the part of the ratio that is the machine's commit is visible.
 */
import { HeartbeatRequest } from "../src/api/leases";
import type { Env } from "../src/worker/env";
import { FleetDurableObject } from "../src/worker/fleet";
import { GroupCommit } from "../src/worker/fleet/group-commit";
import type { Caller } from "../src/worker/fleet/rpc";
import { callerOf } from "../src/worker/fleet/rpc";
import { parseJson } from "../src/worker/http/body";
import { json } from "../src/worker/http/json";
import { buildRouter, defaultRegistrars } from "../src/worker/router";

export class BenchFleet extends FleetDurableObject {
  /** Committed the way heartbeats are: alone at once, in company as one batch. */
  private readonly floorWrites = new GroupCommit(() => this.ctx.storage.sync());

  async durableWrite(_caller: Caller, ref: string, _body: HeartbeatRequest): Promise<{ ok: true }> {
    const sql = this.ctx.storage.sql;
    await this.floorWrites.run(ref, () => {
      sql.exec("CREATE TABLE IF NOT EXISTS bench_floor (n INTEGER PRIMARY KEY, at INTEGER NOT NULL)");
      sql.exec("INSERT INTO bench_floor (at) VALUES (?)", Date.now());
    });
    return { ok: true };
  }
}

const router = buildRouter([
  ...defaultRegistrars,
  (r) =>
    r.post("/v1/bench/durable-write/:id", async (request, ctx) => {
      const body = await parseJson(request, HeartbeatRequest, { optional: true });
      const fleet = ctx.env.FLEET.get(ctx.env.FLEET.idFromName("default")) as unknown as {
        durableWrite: BenchFleet["durableWrite"];
      };
      await fleet.durableWrite(callerOf(ctx), ctx.params.id ?? "", body);
      return json(200, { ok: true });
    }),
]);

export default {
  fetch(request: Request, env: Env): Promise<Response> {
    return router.fetch(request, env);
  },
};
