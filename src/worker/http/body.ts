/**
 * Request bodies: size-capped reads (refused with 413 before anything is parsed) and JSON
 * parsing validated by a wire schema.
 */
import type { z } from "zod";
import { CrabboxError, type ErrorCode } from "../../errors";
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

/** Reads the body as UTF-8, stopping (and refusing) as soon as it passes the cap. */
export async function readBodyText(request: Request, maxBytes = bodyLimitOf(request)): Promise<string> {
  assertDeclaredLength(request, maxBytes);
  if (!request.body) return "";
  // A declared length within the cap bounds the body (the runtime's HTTP layer enforces it),
  // so it is read in one call; only an undeclared (chunked) body is counted chunk by chunk.
  if (request.headers.has("content-length")) {
    const text = await request.text();
    if (text.length > maxBytes) throw tooLarge(maxBytes);
    return text;
  }
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
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
  return new TextDecoder().decode(bytes);
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
  const text = await readBodyText(request);
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
      throw new CrabboxError(options.code ?? "invalid_request", `request body is not valid JSON: ${reason}`, {
        field: "body",
      });
    }
  }
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error, "body", options.code);
  return result.data;
}
