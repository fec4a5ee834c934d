/** Portal responses: every HTML page gets a fresh CSP nonce and the same strict headers. */
import { base64UrlEncode } from "../auth/encoding";
import type { SafeHtml } from "./html";

export function newNonce(): string {
  return base64UrlEncode(crypto.getRandomValues(new Uint8Array(18)));
}

/**
 * Nothing loads unless named: scripts and styles only with this response's nonce, images only
 * as inline data (the charts are inline SVG), forms post only to this origin, no framing.
 */
export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

const commonHeaders = {
  "cache-control": "no-store",
  "referrer-policy": "same-origin",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
};

export function htmlResponse(
  status: number,
  document: SafeHtml,
  nonce: string,
  extra: HeadersInit = {},
): Response {
  const headers = new Headers({
    ...commonHeaders,
    "content-type": "text/html; charset=utf-8",
    "content-security-policy": contentSecurityPolicy(nonce),
  });
  for (const [name, value] of new Headers(extra)) headers.append(name, value);
  return new Response(document.toString(), { status, headers });
}

export function textResponse(status: number, text: string): Response {
  return new Response(text, {
    status,
    headers: {
      ...commonHeaders,
      "content-type": "text/plain; charset=utf-8",
      "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    },
  });
}

/** 303 after a form post (the browser follows with a GET), 302 for GET redirects. */
export function redirect(location: string, status: 302 | 303 = 302, cookies: string[] = []): Response {
  const headers = new Headers({ ...commonHeaders, location });
  for (const cookie of cookies) headers.append("set-cookie", cookie);
  return new Response(null, { status, headers });
}
