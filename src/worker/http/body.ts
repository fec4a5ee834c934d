/**
 * Request bodies: size-capped reads (refused with 413 before anything is parsed) and JSON
 * parsing validated by a wire schema.
 */
import type { z } from "zod";
import { CrabboxError, type ErrorCode, isCrabboxError } from "../../errors";
import { validationError } from "./validation";

/** Default cap for JSON bodies; the run `finish` route raises it for log chunks. */
export const defaultMaxBodyBytes = 1024 * 1024;

const bodyLimits = new WeakMap<Request, number>();

/** The router records each matched route's cap here before the handler runs. */
export function setBodyLimit(request: Request, maxBytes: number): void {
  bodyLimits.set(request, maxBytes);
}

function bodyLimitOf(request: Request): number {
  return bodyLimits.get(request) ?? defaultMaxBodyBytes;
}

function tooLarge(maxBytes: number): CrabboxError {
  return new CrabboxError("body_too_large", `request body exceeds ${maxBytes} bytes`, { limit: maxBytes });
}

/** Refuses a declared `Content-Length` over the cap without reading anything. */
export function assertDeclaredLength(request: Request, maxBytes: number): void {
  const declared = request.headers.get("content-length");
  if (declared === null) return;
  const length = Number(declared);
  if (!Number.isFinite(length) || length < 0) {
    throw new CrabboxError("invalid_request", "content-length header is not a number", {
      field: "content-length",
    });
  }
  if (length > maxBytes) throw tooLarge(maxBytes);
}

const bufferedBodies = new WeakMap<Request, Promise<Uint8Array>>();

/**
 * Reads the whole body, counting bytes as they arrive and stopping at the cap (413), whether
 * or not a Content-Length was declared: a chunked body is bounded the same way. Memoised per
 * request so the router can drain every route's body up front and handlers read it after.
 */
export function readBodyBytes(request: Request, maxBytes = bodyLimitOf(request)): Promise<Uint8Array> {
  const known = bufferedBodies.get(request);
  if (known) return known;
  const reading = drain(request, maxBytes);
  bufferedBodies.set(request, reading);
  return reading;
}

async function drain(request: Request, maxBytes: number): Promise<Uint8Array> {
  assertDeclaredLength(request, maxBytes);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * Reads the body as UTF-8. Bytes that are not UTF-8 are refused (`invalid_json`) rather than
 * replaced with U+FFFD: a replaced body is not what the client sent (docs/api.md, "Bounds").
 */
export async function readBodyText(request: Request, maxBytes = bodyLimitOf(request)): Promise<string> {
  const bytes = await readBodyBytes(request, maxBytes);
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new CrabboxError("invalid_json", "request body is not valid UTF-8", { field: "body" });
  }
}

export interface ParseJsonOptions {
  /** An empty body is read as `{}` (heartbeat, release, share delete), as in the reference. */
  optional?: boolean;
  /** Error code for this body's failures instead of `invalid_request`. */
  code?: ErrorCode;
}

/** Reads, parses and validates a JSON body; every client mistake is a 400 naming the problem. */
export async function parseJson<S extends z.ZodType>(
  request: Request,
  schema: S,
  options: ParseJsonOptions = {},
): Promise<z.infer<S>> {
  let text: string;
  try {
    text = await readBodyText(request);
  } catch (error) {
    // A route with its own error code (e.g. `invalid_poll`) answers bad bytes with it too.
    if (options.code && isCrabboxError(error) && error.code === "invalid_json") {
      throw new CrabboxError(options.code, error.message, { field: "body" });
    }
    throw error;
  }
  let value: unknown;
  if (text.trim() === "") {
    if (!options.optional) {
      throw new CrabboxError(options.code ?? "invalid_request", "request body is required (JSON object)", {
        field: "body",
      });
    }
    value = {};
  } else {
    try {
      value = JSON.parse(text);
    } catch (error) {
      const reason = error instanceof Error ? error.message : "unparsable";
      throw new CrabboxError(options.code ?? "invalid_json", `request body is not valid JSON: ${reason}`, {
        field: "body",
      });
    }
  }
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error, "body", options.code);
  return result.data;
}
