/**
 * Hetzner's asynchronous work: POST /servers and DELETE /servers/{id} answer at once with an
 * `action` that is still `running`; the server is usable (or gone) only when GET
 * /actions/{id} reports `success` (https://docs.hetzner.cloud/ "Actions", "Get an Action").
 * An action that ends `error` carries the reason's code, which the provider classifies like
 * any other refusal (docs/providers.md, "Hetzner").
 */
import { CrabboxError } from "../../errors";
import type { RetryPolicy } from "../retrying-fetch";
import { type HetznerApi, HetznerApiError } from "./api";

export interface HetznerAction {
  id: number;
  command: string;
  status: "running" | "success" | "error";
  error: { code: string; message: string } | null;
}

export interface ActionWait {
  pollMs: number;
  timeoutMs: number;
  sleep: RetryPolicy["sleep"];
}

export async function awaitAction(
  api: HetznerApi,
  action: HetznerAction | null | undefined,
  wait: ActionWait,
  signal?: AbortSignal,
): Promise<void> {
  if (!action) return;
  const deadline = Date.now() + wait.timeoutMs;
  let current = action;
  while (current.status === "running") {
    if (Date.now() >= deadline) {
      throw new CrabboxError(
        "timeout",
        `Hetzner action ${action.id} (${action.command}) still running after ${wait.timeoutMs} ms`,
      );
    }
    await wait.sleep(wait.pollMs, signal);
    current = (await api.call<{ action: HetznerAction }>("GET", `/actions/${action.id}`, undefined, signal))
      .action;
  }
  if (current.status === "error") {
    const code = current.error?.code ?? "action_failed";
    throw new HetznerApiError(
      0,
      code,
      `hetzner action ${current.command} ${current.id} failed: ${code}: ${current.error?.message ?? ""}`.trim(),
    );
  }
}
