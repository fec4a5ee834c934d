/**
 * Plain ARM GETs for `crabbox doctor --provider azure`, outside the SDK clients: the
 * preflight needs list calls the three SDK packages do not cover (Permissions - List For
 * Resource Group), and a GET's answer is all it reads. Errors come back as data, never thrown.
 */
import type { AzureProviderConfig } from "../../../providers/azure/config";

export interface ArmAnswer {
  status: number;
  code: string;
  body?: Record<string, unknown>;
}

export type ArmGet = (path: string, apiVersion: string, query?: string) => Promise<ArmAnswer>;

export function armGetter(
  config: AzureProviderConfig,
  token: string,
  fetchImpl: typeof fetch,
  signal?: AbortSignal,
): ArmGet {
  return async (path, apiVersion, query = "") => {
    try {
      const response = await fetchImpl(`${config.armEndpoint}${path}?api-version=${apiVersion}${query}`, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.any([AbortSignal.timeout(15_000), ...(signal ? [signal] : [])]),
      });
      const body = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
      const error = body?.error as { code?: unknown } | undefined;
      return {
        status: response.status,
        code:
          typeof error?.code === "string"
            ? error.code.replace(/[^A-Za-z0-9_.]/g, "")
            : `http ${response.status}`,
        ...(body ? { body } : {}),
      };
    } catch (error) {
      return { status: 0, code: (error as Error).name };
    }
  };
}

/**
 * Whether a permission set allows an action: some `actions` pattern matches and no
 * `notActions` pattern does; `*` matches any run of characters, case-insensitively
 * (learn.microsoft.com/azure/role-based-access-control/role-definitions, "Actions").
 */
export function allowedBy(
  grants: Array<{ actions?: string[]; notActions?: string[] }>,
  action: string,
): boolean {
  const matches = (pattern: string) =>
    new RegExp(
      `^${pattern
        .split("*")
        .map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, "\\$&"))
        .join(".*")}$`,
      "i",
    ).test(action);
  return grants.some((g) => (g.actions ?? []).some(matches) && !(g.notActions ?? []).some(matches));
}
