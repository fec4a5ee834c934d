/**
 * Reading ARM failures as they come out of the SDK: a `RestError` carries the HTTP status
 * and ARM's error code; a failed long-running operation is an `Error` whose message is
 * "The long-running operation has failed. <Code>. <message>"; our own deadlines abort.
 */
import type { ProvisionAttempt } from "../provider";

export interface ArmFailure {
  status?: number;
  code?: string;
  message: string;
  timedOut: boolean;
  /** The request was accepted and its long-running operation ended Failed. */
  inOperation: boolean;
}

export function readArmFailure(error: unknown): ArmFailure {
  const e = (error ?? {}) as { statusCode?: unknown; code?: unknown; message?: unknown; name?: unknown };
  const message = typeof e.message === "string" ? e.message : String(error);
  const lro = /long-running operation has failed\. ([A-Za-z][A-Za-z0-9_]*)\./.exec(message);
  const code = typeof e.code === "string" && e.code !== "REQUEST_SEND_ERROR" ? e.code : lro?.[1];
  const timedOut = e.name === "AbortError" || e.name === "TimeoutError" || /aborted|timed out/i.test(message);
  return {
    status: typeof e.statusCode === "number" ? e.statusCode : undefined,
    code,
    message: message.slice(0, 300),
    timedOut,
    inOperation: lro !== null,
  };
}

export function isNotFound(error: unknown): boolean {
  const f = readArmFailure(error);
  return f.status === 404 || ["ResourceNotFound", "NotFound", "ResourceGroupNotFound"].includes(f.code ?? "");
}

const capacityCodes = new Set([
  "SkuNotAvailable",
  "AllocationFailed",
  "ZonalAllocationFailed",
  "OverconstrainedAllocationRequest",
  "OverconstrainedZonalAllocationRequest",
  "NotAvailableForSubscription",
]);
const quotaCodes = new Set(["OperationNotAllowed", "QuotaExceeded"]);

/**
 * Why a VM candidate failed, or undefined when the failure is not about capacity and
 * trying another size or market cannot help (bad request, auth, policy…).
 */
export function createFailureCategory(
  error: unknown,
  market: "spot" | "on-demand",
): ProvisionAttempt["category"] | undefined {
  const f = readArmFailure(error);
  if (f.timedOut) return "timeout";
  const code = f.code ?? "";
  if (capacityCodes.has(code)) return market === "spot" ? "spot_refused" : "capacity";
  if (quotaCodes.has(code)) return market === "spot" ? "spot_refused" : "quota";
  // The NIC is still held for an earlier, failed VM (about 180 s): the next attempt's fresh
  // names do not need it, so the ladder moves on instead of failing the lease.
  if (code === "NicReservedForAnotherVm") return "provider";
  return undefined;
}

const dependencyCodes = new Set([
  "NicInUse",
  "NicReservedForAnotherVm",
  "InUseSubnetCannotBeDeleted",
  "InUseNetworkSecurityGroupCannotBeDeleted",
  "PublicIPAddressCannotBeDeleted",
  "AnotherOperationInProgress",
  "OperationNotAllowed",
  "Conflict",
  "RetryableError",
  "DiskInUse",
]);

/**
 * A delete that can succeed if tried again later: a dependency still holds, the call
 * hiccuped, or ARM accepted the delete and its operation failed (ARM then leaves the resource
 * in place; a DELETE is safe to repeat and the pass budget bounds it).
 */
export function isRetryableDeleteFailure(error: unknown): boolean {
  const f = readArmFailure(error);
  if (f.timedOut || f.inOperation) return true;
  if (f.code && dependencyCodes.has(f.code)) return true;
  return f.status === 409 || f.status === 429 || (f.status !== undefined && f.status >= 500);
}

/** Error text safe to log or return: capped, with any known secret blanked out. */
export function safeErrorText(error: unknown, secrets: string[]): string {
  const f = readArmFailure(error);
  let text = f.code ? `${f.code}: ${f.message}` : f.message;
  for (const secret of secrets) if (secret) text = text.split(secret).join("[redacted]");
  return text;
}
