import type { Identity } from "../context";
import { type HtmlValue, html, type SafeHtml } from "./html";
import { portalCss } from "./styles";

export type NavItem = "leases" | "runs" | "usage" | "admin-leases" | "audit" | "orphans" | "pools" | "none";

export interface PageOptions {
  title: string;
  nonce: string;
  identity?: Identity;
  active?: NavItem;
  body: HtmlValue;
}

function navLink(href: string, label: string, item: NavItem, active: NavItem | undefined): SafeHtml {
  return html`<a href="${href}"${item === active ? html` aria-current="page"` : ""}>${label}</a>`;
}

function navigation(identity: Identity, active: NavItem | undefined): SafeHtml {
  return html`<nav aria-label="Portal">
${navLink("/portal", "Leases", "leases", active)}
${navLink("/portal/runs", "Runs", "runs", active)}
${navLink("/portal/usage", "Usage", "usage", active)}
${
  identity.admin
    ? html`${navLink("/portal/admin/leases", "All leases", "admin-leases", active)}
${navLink("/portal/admin/audit", "Audit", "audit", active)}
${navLink("/portal/admin/orphans", "Orphans", "orphans", active)}
${navLink("/portal/admin/pools", "Pools", "pools", active)}`
    : ""
}
</nav>
<div class="who"><span>${identity.login ?? identity.owner}${identity.admin ? " (admin)" : ""}</span>
<button type="button" class="secondary" data-theme-toggle hidden>Theme</button>
<form method="post" action="/portal/logout"><button type="submit" class="secondary">Log out</button></form></div>`;
}

/** A whole portal document; the stylesheet and script carry this response's nonce. */
export function page(options: PageOptions): SafeHtml {
  const { title, nonce, identity, active, body } = options;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<link rel="icon" href="data:,">
<title>${title} · Crabbox</title>
<style nonce="${nonce}">${portalCss}</style>
<script nonce="${nonce}" src="/portal/assets/portal.js" defer></script>
</head><body>
<header class="top"><a class="brand" href="/portal">Crabbox</a>${identity ? navigation(identity, active) : ""}</header>
<main>${body}</main>
</body></html>
`;
}
