/**
 * `crabbox doctor --provider hetzner`: checks the local Hetzner credentials with GET calls
 * only (docs/providers.md, "Preflight"), one check per line, each problem with the setting
 * that fixes it. Hetzner exposes no project limits in its API and refuses a read-only token
 * only on a write (`token_readonly`), so neither is checkable here; the output says so.
 */
import { hetznerClasses } from "../../../providers/classes";
import { HetznerApi, HetznerApiError, type HetznerServerType } from "../../../providers/hetzner/api";

export interface PreflightCheck {
  status: "ok" | "missing" | "failed";
  name: string;
  detail: string;
}

export async function hetznerPreflight(
  env: Record<string, string | undefined>,
  signal?: AbortSignal,
): Promise<PreflightCheck[]> {
  const token = env.HETZNER_TOKEN?.trim() || env.HCLOUD_TOKEN?.trim();
  if (!token) {
    return [{ status: "missing", name: "hetzner", detail: "no token: set HETZNER_TOKEN (or HCLOUD_TOKEN)" }];
  }
  const api = HetznerApi.withDefaults({
    token,
    ...(env.CRABBOX_HETZNER_API_URL ? { baseUrl: env.CRABBOX_HETZNER_API_URL } : {}),
    retry: { maxRetries: 1, timeoutMs: 15_000 },
  });
  const location = env.CRABBOX_HETZNER_LOCATION?.trim() || "fsn1";
  const checks: PreflightCheck[] = [];
  try {
    const found = await api.call<{ locations: Array<{ name: string }> }>(
      "GET",
      `/locations?name=${encodeURIComponent(location)}`,
      undefined,
      signal,
    );
    checks.push({ status: "ok", name: "token", detail: "HETZNER_TOKEN is accepted" });
    if (!found.locations.some((l) => l.name === location)) {
      const all = await api.all<{ name: string }>("/locations", "locations", signal);
      checks.push({
        status: "failed",
        name: "location",
        detail: `Hetzner has no location ${location}: set CRABBOX_HETZNER_LOCATION to one of ${all.map((l) => l.name).join(", ")}`,
      });
      return checks;
    }
    checks.push({ status: "ok", name: "location", detail: location });
  } catch (error) {
    checks.push(tokenProblem(error));
    return checks;
  }
  const types = [...new Set(Object.values(hetznerClasses).flat())];
  const offered = new Set<string>();
  for (const type of types) {
    const body = await api.call<{ server_types: HetznerServerType[] }>(
      "GET",
      `/server_types?name=${encodeURIComponent(type)}`,
      undefined,
      signal,
    );
    // A type is orderable in a location when it has a price there ("Get all Server Types").
    if (body.server_types.some((t) => t.name === type && t.prices.some((p) => p.location === location)))
      offered.add(type);
  }
  for (const [className, ladder] of Object.entries(hetznerClasses)) {
    const usable = ladder.filter((t) => offered.has(t));
    checks.push(
      usable.length
        ? { status: "ok", name: "class", detail: `${className}: ${usable.join(", ")} offered in ${location}` }
        : {
            status: "failed",
            name: "class",
            detail: `${className}: none of ${ladder.join(", ")} is offered in ${location}; set CRABBOX_HETZNER_LOCATION to another location`,
          },
    );
  }
  for (const [path, field] of [
    ["/servers?label_selector=crabbox%3Dtrue", "servers"],
    ["/ssh_keys", "ssh_keys"],
  ] as const) {
    try {
      await api.call("GET", `${path}${path.includes("?") ? "&" : "?"}per_page=1`, undefined, signal);
      checks.push({ status: "ok", name: "read", detail: `${field} can be listed` });
    } catch (error) {
      checks.push({
        status: "failed",
        name: "read",
        detail: `cannot list ${field} (${(error as Error).message}): give HETZNER_TOKEN a Read & Write token of the project`,
      });
    }
  }
  checks.push({
    status: "ok",
    name: "limits",
    detail:
      "not checkable read-only: Hetzner's API shows no project limits and refuses read-only tokens only on writes",
  });
  return checks;
}

function tokenProblem(error: unknown): PreflightCheck {
  if (error instanceof HetznerApiError && (error.status === 401 || error.code === "unauthorized")) {
    return {
      status: "failed",
      name: "token",
      detail:
        "Hetzner refuses the token (unauthorized): create an API token in the project and set HETZNER_TOKEN",
    };
  }
  return {
    status: "failed",
    name: "token",
    detail: `Hetzner did not answer (${(error as Error).message}): check CRABBOX_HETZNER_API_URL and the network`,
  };
}
