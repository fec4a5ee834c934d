import { CrabboxError, type ErrorCode, errorCodes, isCrabboxError } from "../../errors";
import type { Identity, RequestContext } from "../context";
import type { Env } from "../env";

/**
 * Workers RPC keeps only an error's message when it crosses from the Durable Object to the
 * Worker, so the Fleet's methods return their failures as data and the Worker turns them back
 * into the one `CrabboxError` type. Unexpected exceptions become a generic `internal` error:
 * their text may carry provider internals and never reaches a client.
 */

export interface RpcError {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export type RpcResult<T> = { ok: true; value: T } | { ok: false; error: RpcError };

export async function asRpc<T>(call: () => T | Promise<T>): Promise<RpcResult<T>> {
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    if (isCrabboxError(error) && error.code in errorCodes) {
      const crabbox = error as CrabboxError;
      return {
        ok: false,
        error: {
          code: crabbox.code,
          message: crabbox.message,
          ...(crabbox.details ? { details: crabbox.details } : {}),
        },
      };
    }
    console.error("fleet: unexpected failure", error instanceof Error ? error.name : typeof error);
    return { ok: false, error: { code: "internal", message: "internal error" } };
  }
}

export function unwrap<T>(result: RpcResult<T>): T {
  if (result.ok) return result.value;
  throw new CrabboxError(result.error.code, result.error.message, result.error.details);
}

/** What the Fleet needs to know about the caller of an RPC method. */
export interface Caller {
  identity: Identity;
  requestId: string;
  idempotencyKey?: string;
  clientIp?: string;
}

export function callerOf(ctx: RequestContext): Caller {
  return {
    identity: ctx.identity,
    requestId: ctx.requestId,
    ...(ctx.idempotencyKey ? { idempotencyKey: ctx.idempotencyKey } : {}),
    ...(ctx.clientIp ? { clientIp: ctx.clientIp } : {}),
  };
}

/** The one Fleet object: every lease, run and event lives in it. */
export function fleetStub(env: Env) {
  return env.FLEET.get(env.FLEET.idFromName("default"));
}
