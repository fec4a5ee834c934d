import type { CostLimits, UsageGroup, UsageResponse } from "../../../api/usage";
import { spendChart } from "../charts";
import { duration, usd } from "../format";
import { html, join, type SafeHtml } from "../html";
import { facts } from "./parts";

function groupTable(title: string, groups: readonly UsageGroup[]): SafeHtml {
  if (groups.length === 0) return html``;
  const rows = groups.map(
    (g) => html`<tr><td>${g.key}</td><td data-sort="${g.leases}">${g.leases}</td><td>${g.activeLeases}</td>
<td data-sort="${g.runtimeSeconds}">${duration(g.runtimeSeconds * 1000)}</td>
<td data-sort="${g.estimatedUSD}">${usd(g.estimatedUSD)}</td><td data-sort="${g.reservedUSD}">${usd(g.reservedUSD)}</td></tr>`,
  );
  return html`<h2>By ${title}</h2><div class="table-wrap"><table data-portal-table aria-label="${`Usage by ${title}`}">
<thead><tr><th>${title}</th><th>Leases</th><th>Active</th><th>Runtime</th><th>Estimated</th><th>Reserved</th></tr></thead>
<tbody>${join(rows)}</tbody></table></div>`;
}

function capRow(name: string, used: number, cap: number, money: boolean): SafeHtml {
  const fmt = (n: number) => (money ? usd(n) : String(n));
  if (cap <= 0)
    return html`<tr><td>${name}</td><td>${fmt(used)}</td><td class="muted">no cap</td><td></td></tr>`;
  const share = Math.min(1, used / cap);
  return html`<tr><td>${name}</td><td>${fmt(used)}</td><td>${fmt(cap)}</td>
<td><svg class="chart" viewBox="0 0 100 8" role="img" aria-label="${`${Math.round(share * 100)}% of cap`}">
<rect class="bar-res" x="0" y="0" width="100" height="8" rx="4"></rect><rect class="bar-est" x="0" y="0" width="${Math.round(share * 100)}" height="8" rx="4"></rect></svg></td></tr>`;
}

function caps(usage: UsageResponse["usage"], limits: CostLimits): SafeHtml {
  const committed = usage.estimatedUSD + usage.reservedUSD;
  const ownerLimit = usage.scope === "user";
  return html`<div class="table-wrap"><table aria-label="Caps"><thead><tr><th>Cap</th><th>Used</th><th>Limit</th><th>Share</th></tr></thead><tbody>
${ownerLimit ? "" : capRow("Active leases (fleet)", usage.activeLeases, limits.maxActiveLeases, false)}
${ownerLimit ? capRow("Active leases (you)", usage.activeLeases, limits.maxActiveLeasesPerOwner, false) : ""}
${capRow(ownerLimit ? "Monthly spend (you)" : "Monthly spend", committed, ownerLimit ? limits.maxMonthlyUSDPerOwner : limits.maxMonthlyUSD, true)}
${ownerLimit ? "" : capRow("Monthly spend per owner (largest)", Math.max(0, ...usage.byOwner.map((g) => g.estimatedUSD + g.reservedUSD)), limits.maxMonthlyUSDPerOwner, true)}
${ownerLimit ? "" : capRow("Monthly spend per org (largest)", Math.max(0, ...usage.byOrg.map((g) => g.estimatedUSD + g.reservedUSD)), limits.maxMonthlyUSDPerOrg, true)}
</tbody></table></div>`;
}

export function usageBody(report: UsageResponse, month: string): SafeHtml {
  const { usage, limits } = report;
  const cap = usage.scope === "user" ? limits.maxMonthlyUSDPerOwner : limits.maxMonthlyUSD;
  const chartGroups = usage.scope === "user" ? usage.byProvider : usage.byOwner;
  return html`<h1>Usage ${usage.month}</h1>
<form class="filters" method="get" action="/portal/usage" aria-label="Month">
<label>Month<input name="month" value="${month}" pattern="\\d{4}-\\d{2}" placeholder="YYYY-MM" size="8"></label>
<button type="submit">Show</button></form>
<div class="grid">
<section class="card"><h2>Summary</h2>${facts([
    ["Scope", usage.scope === "user" ? `you (${usage.owner ?? ""})` : usage.scope],
    ["Leases", `${usage.leases} (${usage.activeLeases} active)`],
    ["Runtime", duration(usage.runtimeSeconds * 1000)],
    ["Estimated", usd(usage.estimatedUSD)],
    ["Reserved (live leases)", usd(usage.reservedUSD)],
  ])}</section>
<section class="card"><h2>Spend by ${usage.scope === "user" ? "provider" : "owner"}</h2>
${spendChart(
  "Estimated (bar) and reserved (background) spend",
  chartGroups.map((g) => ({ label: g.key, estimated: g.estimatedUSD, reserved: g.reservedUSD })),
  cap > 0 ? cap : undefined,
)}
</section></div>
<h2>Caps</h2>${caps(usage, limits)}
${usage.scope === "user" ? "" : groupTable("owner", usage.byOwner)}
${usage.scope === "user" ? "" : groupTable("org", usage.byOrg)}
${groupTable("provider", usage.byProvider)}
${groupTable("server type", usage.byServerType)}`;
}
