/**
 * A portal page as a signed-in browser gets it: a session cookie minted with the test
 * coordinator's secret, the request through the Worker's real `fetch`.
 */
import { env } from "cloudflare:workers";
import type { Env } from "../../../src/worker/env";
import worker from "../../../src/worker/index";
import { mintSession, sessionCookie } from "../../../src/worker/portal/session";
import { adminToken, sharedToken } from "../../support/fleet-api";

const secret = "session-secret-for-portal-page-tests-0123456789";

export async function portalPage(
  who: { owner: string; org: string; login?: string },
  path: string,
  overrides: Partial<Env> = {},
): Promise<{ status: number; text: string }> {
  const identity = { ...who, login: who.login ?? (who.owner.split("@")[0] as string) };
  const session = await mintSession(identity, secret, Date.now());
  const res = await worker.fetch(
    new Request(`https://coordinator.test${path}`, { headers: { cookie: `${sessionCookie}=${session}` } }),
    {
      ...(env as unknown as Env),
      CRABBOX_ADMIN_TOKEN: adminToken,
      CRABBOX_SHARED_TOKEN: sharedToken,
      CRABBOX_SESSION_SECRET: secret,
      CRABBOX_DEFAULT_ORG: "crabclub",
      ...overrides,
    },
  );
  return { status: res.status, text: await res.text() };
}
