import type { CrabboxRouter } from "../router";
import { adminMetrics } from "./admin/metrics";

/** The integration contract's routes (issue 19): metrics, webhooks and the OpenAPI document. */
export function registerContractRoutes(router: CrabboxRouter): void {
  router.get("/v1/admin/metrics", adminMetrics);
}
