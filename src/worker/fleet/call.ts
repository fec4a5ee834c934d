import type { RequestContext } from "../context";
import type { Env } from "../env";
import type { HandlerKey, InputOf, OutputOf } from "./handlers";
import { type Caller, callerOf, fleetStub, type RpcResult, unwrap } from "./rpc";

/**
 * The Worker's side of the Fleet's one RPC method. The generated stub types collapse payloads
 * that hold `unknown` (event data) to `never`, so the stub is typed here, once, by the
 * handler table instead.
 */
export interface FleetRpc {
  dispatch<K extends HandlerKey>(key: K, caller: Caller, input: InputOf<K>): Promise<RpcResult<OutputOf<K>>>;
}

export function fleetRpc(env: Env): FleetRpc {
  return fleetStub(env) as unknown as FleetRpc;
}

/** Runs one use case in the Fleet and returns its value, or throws its `CrabboxError`. */
export async function callFleet<K extends HandlerKey>(
  env: Env,
  caller: Caller,
  key: K,
  input: InputOf<K>,
): Promise<OutputOf<K>> {
  return unwrap(await fleetRpc(env).dispatch(key, caller, input));
}

/** `callFleet` as the caller of an authenticated request. */
export function runUseCase<K extends HandlerKey>(
  ctx: RequestContext,
  key: K,
  input: InputOf<K>,
): Promise<OutputOf<K>> {
  return callFleet(ctx.env, callerOf(ctx), key, input);
}
