/**
 * Every use case the Fleet Durable Object answers, by key. The key names the file:
 * `leases.create` is `leases/create.ts`, whose `handle(deps, caller, input)` does the work and
 * whose `input` schema is what the route parses. A new endpoint is one line here, one handler
 * file and one route binding (src/worker/routes/).
 */
import * as adminEvents from "./admin/events";
import * as adminExport from "./admin/export";
import * as adminMetrics from "./admin/metrics";
import * as adminOrphans from "./admin/orphans";
import * as adminPool from "./admin/pool";
import * as adminReplay from "./admin/replay";
import * as webhooks from "./admin/webhooks";
import * as leaseCreate from "./leases/create";
import * as leaseEvents from "./leases/events";
import * as leaseGet from "./leases/get";
import * as leaseHeartbeat from "./leases/heartbeat";
import * as leaseList from "./leases/list";
import * as leaseRelease from "./leases/release";
import * as shareGet from "./leases/share-get";
import * as shareRemove from "./leases/share-remove";
import * as shareSet from "./leases/share-set";
import * as usage from "./leases/usage";
import type { Caller } from "./rpc";
import * as runAppendEvent from "./runs/append-event";
import * as runCreate from "./runs/create";
import * as runEvents from "./runs/events";
import * as runFinish from "./runs/finish";
import * as runGet from "./runs/get";
import * as runList from "./runs/list";
import * as runLog from "./runs/log";
import * as runTelemetry from "./runs/telemetry";
import type { UseCaseDeps } from "./use-case-deps";

export const handlers = {
  "leases.create": leaseCreate.handle,
  "leases.get": leaseGet.handle,
  "leases.list": leaseList.handle,
  "leases.heartbeat": leaseHeartbeat.handle,
  "leases.release": leaseRelease.handle,
  "leases.share-get": shareGet.handle,
  "leases.share-set": shareSet.handle,
  "leases.share-remove": shareRemove.handle,
  "leases.events": leaseEvents.handle,
  "leases.usage": usage.handle,
  "runs.create": runCreate.handle,
  "runs.get": runGet.handle,
  "runs.list": runList.handle,
  "runs.log": runLog.handle,
  "runs.events": runEvents.handle,
  "runs.append-event": runAppendEvent.handle,
  "runs.telemetry": runTelemetry.handle,
  "runs.finish": runFinish.handle,
  "admin.pool": adminPool.handle,
  "admin.events": adminEvents.handle,
  "admin.export": adminExport.handle,
  "admin.replay": adminReplay.handle,
  "admin.orphans": adminOrphans.handle,
  "admin.metrics": adminMetrics.handle,
  "admin.webhooks-create": webhooks.create,
  "admin.webhooks-list": webhooks.list,
  "admin.webhooks-get": webhooks.get,
  "admin.webhooks-delete": webhooks.remove,
} as const;

type Handlers = typeof handlers;
export type HandlerKey = keyof Handlers;
export type InputOf<K extends HandlerKey> = Parameters<Handlers[K]>[2];
export type OutputOf<K extends HandlerKey> = Awaited<ReturnType<Handlers[K]>>;

/** One use case's shape, whatever its input and output. */
export type Handler<I, O> = (deps: UseCaseDeps, caller: Caller, input: I) => O | Promise<O>;

export function isHandlerKey(key: string): key is HandlerKey {
  return Object.hasOwn(handlers, key);
}
