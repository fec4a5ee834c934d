/**
 * Whether this coordinator is the zero-config local stack, whose portal may be signed into with
 * a one-time link instead of GitHub (docs/portal.md, "Local sign-in"). Three things must hold,
 * so that a deployed coordinator can never offer it: the stack's own binding
 * `CRABBOX_LOCAL_PORTAL_LOGIN=1` (set only by `src/stack/run-stack.ts`), the local machine host
 * on loopback, and the request itself addressed to a loopback host.
 */
import { type Env, envString } from "../env";

/** The portal login of a local sign-in: a `:` no GitHub login can contain. */
export const localAdminLogin = "local:admin";

function isLoopbackHost(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127(\.\d{1,3}){3}$/.test(hostname);
}

function loopbackUrl(raw: string | undefined): boolean {
  if (!raw) return false;
  try {
    return isLoopbackHost(new URL(raw).hostname);
  } catch {
    return false;
  }
}

export function localLoginEnabled(env: Env, request: Request): boolean {
  return (
    envString(env, "CRABBOX_LOCAL_PORTAL_LOGIN") === "1" &&
    loopbackUrl(envString(env, "CRABBOX_LOCAL_HOST_URL")) &&
    loopbackUrl(request.url)
  );
}
