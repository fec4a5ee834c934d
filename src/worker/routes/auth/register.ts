import type { CrabboxRouter } from "../../router";
import { githubLoginCallback } from "./github/callback";
import { githubLoginPoll } from "./github/poll";
import { githubLoginStart } from "./github/start";

/** The public GitHub login routes (docs/identity.md#github-login-cli-flow). */
export function registerAuthRoutes(router: CrabboxRouter): void {
  router.public.post("/v1/auth/github/start", githubLoginStart, { maxBodyBytes: 4096 });
  router.public.get("/v1/auth/github/callback", githubLoginCallback);
  router.public.post("/v1/auth/github/poll", githubLoginPoll, { maxBodyBytes: 4096 });
}
