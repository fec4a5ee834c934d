/**
 * The wrapper every signed-in portal route goes through: it resolves the session cookie
 * (unauthenticated GETs go to the login page and come back; other methods get a 401 page),
 * refuses cross-origin form posts, mints the response's CSP nonce, and turns errors into
 * HTML pages with the error's own status instead of the API's JSON.
 */
import { type CrabboxError, isCrabboxError } from "../../errors";
import type { Identity, PublicRequestContext } from "../context";
import type { Caller } from "../fleet/rpc";
import type { PublicRouteHandler } from "../router";
import { html } from "./html";
import { page } from "./layout";
import { htmlResponse, newNonce, redirect } from "./response";
import { sessionIdentity } from "./session";

export interface PortalContext extends PublicRequestContext {
  identity: Identity;
  caller: Caller;
  nonce: string;
  url: URL;
}

export type PortalHandler = (request: Request, ctx: PortalContext) => Promise<Response>;

/** Where `/portal/login` may send the browser afterwards: a portal path on this origin only. */
export function safeReturnTo(raw: string | null | undefined): string {
  if (!raw) return "/portal";
  // Printable ASCII only, under /portal, never protocol-relative or backslashed.
  if (!/^\/portal(?:[/?][!-~]*)?$/.test(raw) || raw.includes("//") || raw.includes("\\")) return "/portal";
  return raw;
}

/**
 * A state-changing request must come from one of our own pages: the browser's `Origin`
 * (or, failing that, `Sec-Fetch-Site`) must say so. SameSite=Lax already keeps the cookie
 * off cross-site posts; this refuses them outright.
 */
export function sameOrigin(request: Request): boolean {
  const origin = request.headers.get("origin");
  if (origin !== null) return origin === new URL(request.url).origin;
  const site = request.headers.get("sec-fetch-site");
  return site === "same-origin";
}

export function errorPage(
  status: number,
  title: string,
  message: string,
  nonce: string,
  identity?: Identity,
) {
  return htmlResponse(
    status,
    page({
      title,
      nonce,
      ...(identity ? { identity } : {}),
      body: html`<h1>${title}</h1><div class="card flash bad"><p>${message}</p><p><a href="/portal">Back to the portal</a></p></div>`,
    }),
    nonce,
  );
}

function titleFor(error: CrabboxError): string {
  switch (error.httpStatus) {
    case 403:
      return "Not allowed";
    case 404:
      return "Not found";
    case 409:
      return "Conflict";
    default:
      return error.httpStatus >= 500 ? "Coordinator error" : "Request refused";
  }
}

export function portalRoute(handler: PortalHandler): PublicRouteHandler {
  return async (request, ctx) => {
    const nonce = newNonce();
    const url = new URL(request.url);
    const identity = await sessionIdentity(request, ctx.env, ctx.now);
    if (!identity) {
      if (request.method === "GET") {
        return redirect(
          `/portal/login?returnTo=${encodeURIComponent(safeReturnTo(url.pathname + url.search))}`,
        );
      }
      return errorPage(401, "Signed out", "Your portal session has ended. Log in again.", nonce);
    }
    if (request.method !== "GET" && !sameOrigin(request)) {
      return errorPage(403, "Not allowed", "This form was not sent from the portal.", nonce, identity);
    }
    const caller: Caller = { identity, requestId: ctx.requestId };
    try {
      return await handler(request, { ...ctx, identity, caller, nonce, url });
    } catch (error) {
      if (!isCrabboxError(error)) throw error;
      return errorPage(error.httpStatus, titleFor(error), error.message, nonce, identity);
    }
  };
}
