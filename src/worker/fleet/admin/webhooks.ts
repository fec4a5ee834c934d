import { z } from "zod";
import {
  type WebhookCreated,
  WebhookCreateRequest,
  type WebhookDeleted,
  type WebhookDetail,
  type WebhookList,
} from "../../../api/webhooks";
import type { Caller } from "../rpc";
import type { UseCaseDeps } from "../use-case-deps";

/**
 * The webhook endpoints' use cases (`/v1/admin/webhooks`, docs/api.md, "Webhooks"); the
 * service in webhooks/service.ts holds their rules, and the dispatcher the deliveries.
 */
/** @public The use case's input schema, as every use case names it (docs/design.md). */
export const createInput = WebhookCreateRequest;
export const idInput = z.object({ id: z.string() });
export const listInput = z.object({});

export function create(
  deps: UseCaseDeps,
  caller: Caller,
  body: WebhookCreateRequest,
): Promise<WebhookCreated> {
  return deps.webhooks.create(caller, body);
}

export function list(deps: UseCaseDeps, caller: Caller, _input: z.infer<typeof listInput>): WebhookList {
  return deps.webhooks.list(caller);
}

export function get(deps: UseCaseDeps, caller: Caller, { id }: z.infer<typeof idInput>): WebhookDetail {
  return deps.webhooks.get(caller, id);
}

export function remove(
  deps: UseCaseDeps,
  caller: Caller,
  { id }: z.infer<typeof idInput>,
): Promise<WebhookDeleted> {
  return deps.webhooks.delete(caller, id);
}
