/**
 * `POST/GET /v1/admin/webhooks`, `GET/DELETE /v1/admin/webhooks/{id}`: signed webhook
 * endpoints and their deliveries (docs/api.md, "Webhooks"). Admin only.
 */
import { WebhookCreateRequest, WebhookID } from "../../../api/webhooks";
import { CrabboxError } from "../../../errors";
import type { RequestContext } from "../../context";
import { requireAdmin } from "../../fleet/admin/gate";
import { runUseCase } from "../../fleet/call";
import { parseJson } from "../../http/body";
import { json } from "../../http/json";

function webhookID(ctx: RequestContext): string {
  const parsed = WebhookID.safeParse(ctx.params.id);
  if (!parsed.success) {
    throw new CrabboxError("invalid_request", "path field id: a webhook id is wh_ and 16 hex digits", {
      field: "id",
    });
  }
  return parsed.data;
}

export async function createWebhook(request: Request, ctx: RequestContext): Promise<Response> {
  requireAdmin(ctx.identity);
  const body = await parseJson(request, WebhookCreateRequest);
  return json(201, await runUseCase(ctx, "admin.webhooks-create", body));
}

export async function listWebhooks(_request: Request, ctx: RequestContext): Promise<Response> {
  requireAdmin(ctx.identity);
  return json(200, await runUseCase(ctx, "admin.webhooks-list", {}));
}

export async function getWebhook(_request: Request, ctx: RequestContext): Promise<Response> {
  requireAdmin(ctx.identity);
  return json(200, await runUseCase(ctx, "admin.webhooks-get", { id: webhookID(ctx) }));
}

export async function deleteWebhook(_request: Request, ctx: RequestContext): Promise<Response> {
  requireAdmin(ctx.identity);
  return json(200, await runUseCase(ctx, "admin.webhooks-delete", { id: webhookID(ctx) }));
}
