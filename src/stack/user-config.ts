import { readConfigFile } from "../cli/config/load";
import { userConfigPath } from "../cli/config/paths";
import { writeUserConfig } from "../cli/config/write";

export type UserConfigOutcome =
  | { written: true; path: string }
  | { written: false; path: string; configuredUrl: string };

function isLoopbackUrl(url: string): boolean {
  try {
    const { hostname } = new URL(url);
    return hostname === "127.0.0.1" || hostname === "localhost" || hostname === "[::1]";
  } catch {
    return false;
  }
}

/**
 * Points the user config's `broker.url` / `broker.token` (and `broker.adminToken`) at the
 * local stack, so that the CLI just works. A coordinator the user configured elsewhere (a
 * non-loopback URL) is never overwritten.
 */
export function pointUserConfigAtStack(
  stack: { url: string; token: string; adminToken: string },
  env: NodeJS.ProcessEnv = process.env,
): UserConfigOutcome {
  const path = userConfigPath(env);
  const configuredUrl = readConfigFile(path).broker?.url;
  if (configuredUrl && !isLoopbackUrl(configuredUrl)) return { written: false, path, configuredUrl };
  writeUserConfig({ broker: { url: stack.url, token: stack.token, adminToken: stack.adminToken } }, env);
  return { written: true, path };
}
