/** The `Idempotency-Key` header honoured on POSTs other than lease create. */
import { CrabboxError } from "../../errors";

const keyPattern = /^[\x21-\x7e]{1,255}$/;

/** Absent → undefined; present but malformed → 400 naming the header. */
export function idempotencyKeyOf(request: Request): string | undefined {
  const raw = request.headers.get("idempotency-key");
  if (raw === null) return undefined;
  const key = raw.trim();
  if (!keyPattern.test(key)) {
    throw new CrabboxError("invalid_request", "Idempotency-Key must be 1-255 visible ASCII characters", {
      field: "Idempotency-Key",
    });
  }
  return key;
}
