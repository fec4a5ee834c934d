import type { CrabboxRouter } from "../router";
import { adminMetrics } from "./admin/metrics";
import { createWebhook, deleteWebhook, getWebhook, listWebhooks } from "./admin/webhooks";
import { openApi } from "./openapi";

/** The integration contract's routes (issue 19): metrics, webhooks and the OpenAPI document. */
export function registerContractRoutes(router: CrabboxRouter): void {
  router.public.get("/v1/openapi.json", openApi);
  router.get("/v1/admin/metrics", adminMetrics);
  router.post("/v1/admin/webhooks", createWebhook);
  router.get("/v1/admin/webhooks", listWebhooks);
  router.get("/v1/admin/webhooks/:id", getWebhook);
  router.delete("/v1/admin/webhooks/:id", deleteWebhook);
}
