import type { PoolResponse, ReadyPool } from "../../../api/admin";
import { relative, timestamp, usd } from "../format";
import { html, join, type SafeHtml } from "../html";
import { badge } from "./parts";

function poolName(pool: ReadyPool): string {
  return `${pool.provider}/${pool.class}/${pool.region || "default region"}`;
}

function machineRows(pool: ReadyPool, now: number): SafeHtml {
  if (!pool.machines.length) return html`<p class="muted">No machine waiting or booting.</p>`;
  return html`<div class="table-wrap"><table data-portal-table aria-label="Machines of ${poolName(pool)}">
<thead><tr><th>Pool machine</th><th>State</th><th>Machine</th><th>Requested</th><th>Ready</th></tr></thead>
<tbody>${join(
    pool.machines.map(
      (m) =>
        html`<tr data-pool-machine="${m.id}"><td><code>${m.id}</code></td><td>${badge(m.state)}</td><td><code>${m.cloudID ?? "-"}</code></td><td title="${timestamp(m.requestedAt)}">${relative(m.requestedAt, now)}</td><td${m.readyAt ? html` title="${timestamp(m.readyAt)}"` : ""}>${m.readyAt ? relative(m.readyAt, now) : "-"}</td></tr>`,
    ),
  )}</tbody></table></div>`;
}

function poolCard(pool: ReadyPool, now: number): SafeHtml {
  return html`<section class="card" data-pool="${poolName(pool)}"><h2>${poolName(pool)}</h2>
<p><strong>${pool.ready}</strong> ready · ${pool.provisioning} booting · min ${pool.min} · max ${pool.max} · unclaimed machines live ${Math.round(pool.maxReadyAgeSeconds / 60)} min · <span title="what its ready and booting machines cost per hour, together">${usd(pool.hourlyUSD)}/h now</span></p>
${machineRows(pool, now)}</section>`;
}

/**
 * The ready pools page (docs/portal.md), from `GET /v1/pool`'s answer: each configured pool's
 * settings, its ready and booting machines and what they cost per hour, or why `CRABBOX_POOLS`
 * configured none.
 */
export function poolsBody(answer: PoolResponse, now: number): SafeHtml {
  const pools = answer.pools ?? [];
  return html`<h1>Ready pools</h1>
<p class="muted">Machines the coordinator keeps booted so that a lease is ready in about a second. A claimed machine serves one lease and is deleted with it; waiting machines cost money too (their time is in <a href="/portal/usage">Usage</a> with scope all, <code>crabbox usage --scope all</code>).</p>
${answer.poolConfigError ? html`<div class="card flash" data-pool-error>CRABBOX_POOLS is not valid, so no pool is kept: ${answer.poolConfigError}</div>` : ""}
${pools.length ? join(pools.map((pool) => poolCard(pool, now))) : answer.poolConfigError ? "" : html`<div class="card flash">No ready pool is configured. Set <code>CRABBOX_POOLS</code> on the coordinator (docs/api.md, "Ready pools").</div>`}`;
}
