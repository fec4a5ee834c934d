/**
 * One body each route accepts, so that the bad-input suite can pair a valid request with a
 * hostile header: a route must refuse the header as firmly when nothing else is wrong
 * (docs/api.md, "Bounds"). A test checks that every authenticated route that takes a body has
 * one here and that the route's own wire schema accepts it.
 */
import type { Operation } from "../../src/api/openapi/operations";
import { leaseRequest, uniqueLeaseId } from "../support/fleet-api";
import type { Ids } from "./bad-input-cases";

type Key = `${Operation["method"]} ${Operation["path"]}`;

const bodies: Partial<Record<Key, (ids: Ids) => unknown>> = {
  "post /v1/leases": () => leaseRequest({ leaseID: uniqueLeaseId() }),
  "post /v1/leases/:id/heartbeat": () => ({ telemetry: { load1: 0.4, memoryPercent: 31 } }),
  "post /v1/leases/:id/release": () => ({ delete: true }),
  "put /v1/leases/:id/share": () => ({ users: { "friend@example.com": "use" } }),
  "delete /v1/leases/:id/share": () => ({ user: "friend@example.com" }),
  "post /v1/runs": (ids) => ({ leaseID: ids.lease, command: ["pnpm", "test"] }),
  "post /v1/runs/:id/events": () => ({ type: "phase", phase: "command", message: "running tests" }),
  "post /v1/runs/:id/telemetry": () => ({ telemetry: { start: { load1: 0.2 }, end: { load1: 0.9 } } }),
  "post /v1/runs/:id/finish": () => ({ exitCode: 0, syncMs: 120, commandMs: 900, log: "ok\n" }),
  "post /v1/admin/leases/:id/release": () => ({ delete: true }),
  "post /v1/admin/webhooks": () => ({
    url: "https://hooks.example.com/crabbox",
    eventTypes: ["LeaseRequested"],
  }),
};

/** The valid body of `op` as JSON text, or undefined for a route that takes none. */
export function validBody(op: Operation, ids: Ids): string | undefined {
  const make = bodies[`${op.method} ${op.path}` as Key];
  return make ? JSON.stringify(make(ids)) : undefined;
}
