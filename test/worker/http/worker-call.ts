/**
 * Calls the Worker's real `fetch` entry inside workerd with chosen variables layered over the
 * test environment (tokens, GitHub settings), keeping the real Fleet DO binding.
 */
import { env } from "cloudflare:workers";
import type { Env } from "../../../src/worker/env";
import worker from "../../../src/worker/index";

export const adminToken = "admin-token-for-tests-0123456789";
export const sharedToken = "shared-token-for-tests-0123456789";
export const sessionSecret = "session-secret-for-tests-0123456789";

export function coordinatorEnv(overrides: Partial<Env> = {}): Env {
  return {
    ...(env as unknown as Env),
    CRABBOX_ADMIN_TOKEN: adminToken,
    CRABBOX_SHARED_TOKEN: sharedToken,
    CRABBOX_SESSION_SECRET: sessionSecret,
    CRABBOX_DEFAULT_ORG: "crabclub",
    ...overrides,
  };
}

export function callWorker(
  path: string,
  init: RequestInit = {},
  overrides: Partial<Env> = {},
): Promise<Response> {
  return worker.fetch(new Request(`https://coordinator.test${path}`, init), coordinatorEnv(overrides));
}

export function bearer(token: string, headers: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${token}`, ...headers };
}
