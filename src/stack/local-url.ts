import { readFileSync } from "node:fs";
import { coordinatorPort, stackPaths } from "./paths";

/**
 * True when `url` is where the local stack serves: 127.0.0.1 or localhost on `CRABBOX_PORT`
 * (default 8787), or the URL the last stack recorded (`crabbox dev --port`). The CLI uses it to
 * call `ensureLocalStack` instead of failing when the user config still points at a local
 * stack that has since been stopped.
 */
export function isLocalStackUrl(url: string, env: NodeJS.ProcessEnv = process.env): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  const loopback = parsed.hostname === "127.0.0.1" || parsed.hostname === "localhost";
  if (parsed.protocol !== "http:" || !loopback) return false;
  const port = Number(parsed.port || 80);
  return port === coordinatorPort(env) || port === recordedPort(env);
}

function recordedPort(env: NodeJS.ProcessEnv): number | undefined {
  try {
    const info = JSON.parse(readFileSync(stackPaths(env).stackFile, "utf8")) as { port?: unknown };
    return typeof info.port === "number" ? info.port : undefined;
  } catch {
    return undefined;
  }
}
