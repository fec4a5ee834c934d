/**
 * Signed webhooks (issue 19): the admin routes' wire shapes. The signing secret appears only in
 * the answer to `POST /v1/admin/webhooks`; every other shape leaves it out (docs/api.md,
 * "Webhooks").
 */
import { z } from "zod";
import { catalogue } from "../events/catalogue";
import { isoTimestamp } from "./shared";

/** The log's event types an endpoint may ask for. */
export const webhookEventTypes = Object.keys(catalogue) as [
  keyof typeof catalogue,
  ...(keyof typeof catalogue)[],
];
export const WebhookEventType = z.enum(webhookEventTypes);

export const WebhookCreateRequest = z.strictObject({
  url: z.url({ protocol: /^https?$/ }).max(2048),
  eventTypes: z.array(WebhookEventType).min(1).max(webhookEventTypes.length),
  description: z.string().max(256).optional(),
});
export type WebhookCreateRequest = z.infer<typeof WebhookCreateRequest>;

export const WebhookID = z.string().regex(/^wh_[0-9a-f]{16}$/, "a webhook id is wh_ and 16 hex digits");

export const WebhookCounts = z.object({
  pending: z.number().int().nonnegative(),
  delivered: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
});

export const WebhookRecord = z.object({
  id: WebhookID,
  url: z.string(),
  eventTypes: z.array(WebhookEventType),
  description: z.string().optional(),
  createdAt: isoTimestamp,
  createdBy: z.string(),
  /** Events up to this log `seq` have been considered for this endpoint. */
  cursor: z.number().int().nonnegative(),
  deliveries: WebhookCounts,
});
export type WebhookRecord = z.infer<typeof WebhookRecord>;

export const WebhookDeliveryState = z.enum(["pending", "delivered", "failed"]);

export const WebhookDelivery = z.object({
  /** The `webhook-id` header: the same on every attempt, for the receiver's de-duplication. */
  id: z.string(),
  eventSeq: z.number().int().positive(),
  eventType: WebhookEventType,
  stream: z.string(),
  state: WebhookDeliveryState,
  attempts: z.number().int().nonnegative(),
  lastStatus: z.number().int().optional(),
  lastError: z.string().optional(),
  lastAttemptAt: isoTimestamp.optional(),
  nextAttemptAt: isoTimestamp.optional(),
  deliveredAt: isoTimestamp.optional(),
});
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;

export const WebhookCreated = z.object({
  webhook: WebhookRecord,
  /** `whsec_` + base64 key, shown once: the coordinator never returns it again. */
  secret: z.string().regex(/^whsec_[A-Za-z0-9+/]+=*$/),
});
export type WebhookCreated = z.infer<typeof WebhookCreated>;

export const WebhookList = z.object({ webhooks: z.array(WebhookRecord) });
export type WebhookList = z.infer<typeof WebhookList>;

export const WebhookDetail = z.object({ webhook: WebhookRecord, deliveries: z.array(WebhookDelivery) });
export type WebhookDetail = z.infer<typeof WebhookDetail>;

export const WebhookDeleted = z.object({ webhook: WebhookRecord, deleted: z.literal(true) });
export type WebhookDeleted = z.infer<typeof WebhookDeleted>;
