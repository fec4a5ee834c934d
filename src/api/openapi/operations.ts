/**
 * One entry per route of the coordinator: the zod schemas the route's handler validates with
 * (query, body) and answers with. `document.ts` turns this into OpenAPI 3.1; a test fails when
 * the router has a route this table lacks, or the other way round (docs/api.md, "OpenAPI").
 */

import type { Operation } from "./operation";
import { adminOperations } from "./operations-admin";
import { leaseOperations } from "./operations-leases";
import { metaOperations } from "./operations-meta";
import { portalOperations } from "./operations-portal";
import { runOperations } from "./operations-runs";

export type { Access, Answer, Operation } from "./operation";

/** Every route, in the order the document lists them; each area's entries live in its own file. */
export const operations: readonly Operation[] = [
  ...metaOperations,
  ...leaseOperations,
  ...runOperations,
  ...adminOperations,
  ...portalOperations,
];
