import { type LeaseRecord, LeaseState } from "../../../api/leases";
import { providerNames } from "../../../providers/provider";
import { html, type SafeHtml } from "../html";
import { leaseTable, option } from "./parts";

export interface LeaseFilters {
  state?: string;
  provider?: string;
  target?: string;
  owner?: string;
}

export function leaseFiltersFrom(url: URL): LeaseFilters {
  const filters: LeaseFilters = {};
  for (const name of ["state", "provider", "target", "owner"] as const) {
    const value = url.searchParams.get(name)?.trim();
    if (value) filters[name] = value;
  }
  return filters;
}

/** Filters the wire query cannot express (provider, target) are applied here. */
export function applyLeaseFilters(leases: readonly LeaseRecord[], filters: LeaseFilters): LeaseRecord[] {
  return leases.filter(
    (lease) =>
      (!filters.provider || lease.provider === filters.provider) &&
      (!filters.target || lease.target === filters.target),
  );
}

/** The filter form works without the script (a GET); the script adds free-text search. */
export function leaseListBody(
  title: string,
  action: string,
  leases: readonly LeaseRecord[],
  filters: LeaseFilters,
  now: number,
  withOwnerFilter: boolean,
): SafeHtml {
  return html`<h1>${title}</h1>
<form class="filters" method="get" action="${action}" aria-label="Filter leases">
<label>State<select name="state">${option("", "any", filters.state)}${LeaseState.options.map((s) => option(s, s, filters.state))}</select></label>
<label>Provider<select name="provider">${option("", "any", filters.provider)}${providerNames.map((p) => option(p, p, filters.provider))}</select></label>
<label>Target<input name="target" value="${filters.target ?? ""}" placeholder="linux" size="8"></label>
${withOwnerFilter ? html`<label>Owner<input name="owner" value="${filters.owner ?? ""}" placeholder="someone@example.com"></label>` : ""}
<button type="submit">Filter</button> <a href="${action}">Clear</a>
</form>
${leaseTable(leases, now, title)}`;
}
