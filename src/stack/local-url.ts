import { coordinatorPort } from "./paths";

/**
 * True when `url` is where the local stack serves (127.0.0.1 or localhost on `CRABBOX_PORT`,
 * default 8787). The CLI uses it to call `ensureLocalStack` instead of failing when the user
 * config still points at a local stack that has since been stopped.
 */
export function isLocalStackUrl(url: string, env: NodeJS.ProcessEnv = process.env): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  const loopback = parsed.hostname === "127.0.0.1" || parsed.hostname === "localhost";
  const port = Number(parsed.port || (parsed.protocol === "https:" ? 443 : 80));
  return parsed.protocol === "http:" && loopback && port === coordinatorPort(env);
}
