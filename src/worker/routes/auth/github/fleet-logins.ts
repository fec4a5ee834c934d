/** Worker-side access to the pending GitHub logins kept by the Fleet DO (`src/worker/fleet/logins.ts`). */
import type { Env } from "../../../env";
import type { LoginCommand, LoginResult } from "../../../fleet/logins";
import { fleetStub, type RpcResult, unwrap } from "../../../fleet/rpc";

interface GithubLoginRpc {
  githubLogin(command: LoginCommand): Promise<RpcResult<LoginResult>>;
}

export async function pendingLogin(env: Env, command: LoginCommand): Promise<LoginResult> {
  const stub = fleetStub(env) as unknown as GithubLoginRpc;
  return unwrap(await stub.githubLogin(command));
}
