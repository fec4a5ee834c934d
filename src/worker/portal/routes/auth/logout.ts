import type { PublicRequestContext } from "../../../context";
import { errorPage, sameOrigin } from "../../context";
import { html } from "../../html";
import { page } from "../../layout";
import { htmlResponse, newNonce, redirect } from "../../response";
import { clearCookie, sessionCookie } from "../../session";

/** `GET /portal/logout`: a confirmation page only; a link or prefetch never logs anyone out. */
export async function portalLogoutPage(_request: Request, _ctx: PublicRequestContext): Promise<Response> {
  const nonce = newNonce();
  return htmlResponse(
    200,
    page({
      title: "Log out",
      nonce,
      body: html`<h1>Log out</h1><div class="card"><form method="post" action="/portal/logout">
<p>End this browser's portal session?</p><button type="submit">Log out</button></form></div>`,
    }),
    nonce,
  );
}

/** `POST /portal/logout` (same origin only): clears the session cookie. */
export async function portalLogout(request: Request, _ctx: PublicRequestContext): Promise<Response> {
  if (!sameOrigin(request))
    return errorPage(403, "Not allowed", "This form was not sent from the portal.", newNonce());
  const nonce = newNonce();
  const response = htmlResponse(
    200,
    page({
      title: "Logged out",
      nonce,
      body: html`<h1>Logged out</h1><div class="card"><p>Your portal session has ended.</p>
<p><a class="button" href="/portal/login">Log in again</a></p></div>`,
    }),
    nonce,
  );
  response.headers.append("set-cookie", clearCookie(sessionCookie));
  return response;
}

/** `GET /`: the portal is the coordinator's front page. */
export async function rootRedirect(_request: Request, _ctx: PublicRequestContext): Promise<Response> {
  return redirect("/portal");
}
