import { msSetting } from "../deadline";

/** Webhook delivery settings (docs/deploy.md lists each variable). */
export interface WebhookSettings {
  /** Local stack only: `http` and loopback/private endpoint addresses are allowed. */
  allowPrivate: boolean;
  /** While endpoints exist, the alarm looks for new events at least this often. */
  pollMs: number;
  /** First retry delay; doubles per failed attempt up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** Attempts before a delivery is given up (`failed`) and its stream moves on. */
  maxAttempts: number;
  /** Deadline of one delivery request. */
  timeoutMs: number;
}

export function webhookSettings(env: Record<string, unknown>): WebhookSettings {
  const attempts = Math.trunc(Number(env.CRABBOX_WEBHOOK_MAX_ATTEMPTS));
  return {
    allowPrivate: String(env.CRABBOX_WEBHOOK_ALLOW_PRIVATE ?? "0") === "1",
    pollMs: msSetting(env, "CRABBOX_WEBHOOK_POLL_MS", 5_000),
    retryBaseMs: msSetting(env, "CRABBOX_WEBHOOK_RETRY_BASE_MS", 5_000),
    retryMaxMs: msSetting(env, "CRABBOX_WEBHOOK_RETRY_MAX_MS", 3_600_000),
    maxAttempts: Number.isFinite(attempts) && attempts >= 1 && attempts <= 100 ? attempts : 12,
    timeoutMs: msSetting(env, "CRABBOX_WEBHOOK_TIMEOUT_MS", 10_000),
  };
}

/** Delay before attempt `attempts + 1`, after `attempts` failures. */
export function retryDelayMs(
  settings: Pick<WebhookSettings, "retryBaseMs" | "retryMaxMs">,
  attempts: number,
): number {
  return Math.min(settings.retryMaxMs, settings.retryBaseMs * 2 ** Math.max(0, attempts - 1));
}
