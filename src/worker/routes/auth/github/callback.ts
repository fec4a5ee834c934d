import { isCrabboxError } from "../../../../errors";
import { GithubClient } from "../../../auth/github/client";
import { callbackUrl, githubConfig } from "../../../auth/github/config";
import { verifyGithubUser } from "../../../auth/github/verify-user";
import type { PublicRequestContext } from "../../../context";
import { htmlPage } from "../../../http/html";
import { pendingLogin } from "./fleet-logins";

const notConfigured = () =>
  htmlPage(503, "Crabbox login unavailable", "GitHub login is not configured on this coordinator.");

/**
 * `GET /v1/auth/github/callback?code&state` (public, HTML): GitHub sends the browser here.
 * The code is exchanged, org (and team) membership verified, and the outcome stored on the
 * pending login for the CLI's next poll. The GitHub access token is used only here.
 */
export async function githubLoginCallback(request: Request, ctx: PublicRequestContext): Promise<Response> {
  let config: ReturnType<typeof githubConfig>;
  try {
    config = githubConfig(ctx.env);
  } catch {
    return notConfigured();
  }
  const query = new URL(request.url).searchParams;
  const state = query.get("state") ?? "";
  const claimed = state
    ? await pendingLogin(ctx.env, { op: "claim", state, now: ctx.now })
    : { op: "not_found" as const };
  if (claimed.op !== "claimed") {
    return htmlPage(
      400,
      "Crabbox login expired",
      "This login link has expired or was already used. Run crabbox login again.",
    );
  }
  const { loginID } = claimed;
  const code = query.get("code");
  const githubError = query.get("error");
  if (githubError || !code) {
    const reason = (githubError ?? "missing_code").replace(/[^a-z_]/g, "").slice(0, 64) || "missing_code";
    await pendingLogin(ctx.env, { op: "fail", loginID, message: reason, now: ctx.now });
    return htmlPage(400, "Crabbox login failed", `GitHub did not authorize the login (${reason}).`);
  }

  try {
    const client = new GithubClient(config);
    const accessToken = await client.exchangeCode(code, callbackUrl(ctx.env, request));
    const identity = await verifyGithubUser(client, accessToken, config);
    await pendingLogin(ctx.env, { op: "complete", loginID, identity, now: Date.now() });
    return htmlPage(
      200,
      "Crabbox login complete",
      `Logged in as ${identity.login}. You can close this window.`,
    );
  } catch (error) {
    const message = isCrabboxError(error) ? error.message : "GitHub login could not be completed";
    await pendingLogin(ctx.env, { op: "fail", loginID, message, now: Date.now() });
    if (isCrabboxError(error) && error.code === "forbidden")
      return htmlPage(403, "Crabbox login denied", message);
    return htmlPage(502, "Crabbox login failed", message);
  }
}
