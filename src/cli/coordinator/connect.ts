/**
 * The CLI's coordinator: the public client (src/client, docs/api.md "Typed client") built from
 * the CLI's configuration, with the CLI's own hints on its errors.
 */
import { CoordinatorClient } from "../../client/client";
import { Transport, type TransportOptions } from "../../client/transport";
import type { ResolvedConfig } from "../config";
import { cliErrorHint } from "./hints";

type Env = Record<string, string | undefined>;

const loopback = /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/;

function unreachableHint(baseUrl: string): string {
  return loopback.test(baseUrl)
    ? "the local stack is not running: start it with `crabbox dev` (or any `crabbox run`)"
    : "check broker.url and that the coordinator is running";
}

/** A client for `url` with the CLI's error hints; `token` may be empty (login's first calls). */
export function cliClient(options: TransportOptions): CoordinatorClient {
  return new CoordinatorClient(
    new Transport({ urlSetting: "broker.url", hint: cliErrorHint, unreachableHint, ...options }),
  );
}

/** The configured coordinator, for the owner and org the environment names. */
export function coordinatorFromConfig(
  config: ResolvedConfig,
  env: Env,
  extra: Partial<TransportOptions> = {},
): CoordinatorClient {
  return cliClient({
    baseUrl: config.broker.url,
    token: config.broker.token,
    owner: env.CRABBOX_OWNER,
    org: env.CRABBOX_ORG,
    ...extra,
  });
}
