import type { TelemetryInput } from "../../api";
import type { CoordinatorClient } from "../../client/client";
import { settleWithin } from "../time/settle-within";

export interface HeartbeatLoop {
  stop(): Promise<void>;
}

/** Every idleTimeout/3, clamped to 5–60 s: often enough that a busy lease never idles out. */
export function heartbeatIntervalMs(idleTimeoutMs: number): number {
  return Math.min(60_000, Math.max(5000, Math.floor(idleTimeoutMs / 3)));
}

/**
 * Background heartbeats while the CLI uses a lease, each carrying a fresh telemetry sample
 * when one can be taken. Failures warn once and never stop the run.
 */
export function startHeartbeat(options: {
  client: CoordinatorClient;
  leaseID: string;
  intervalMs: number;
  sample?: () => Promise<TelemetryInput | undefined>;
  onSample?: (sample: TelemetryInput) => void;
  warn: (message: string) => void;
}): HeartbeatLoop {
  const controller = new AbortController();
  let warned = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  const beat = async () => {
    let telemetry: TelemetryInput | undefined;
    try {
      telemetry = await options.sample?.();
      if (telemetry) options.onSample?.(telemetry);
    } catch {
      telemetry = undefined;
    }
    try {
      await options.client.heartbeat(options.leaseID, telemetry ? { telemetry } : {}, controller.signal);
    } catch (error) {
      if (!controller.signal.aborted && !warned) {
        warned = true;
        options.warn(`heartbeat for ${options.leaseID} failed: ${(error as Error).message}`);
      }
    }
  };
  const schedule = () => {
    if (controller.signal.aborted) return;
    timer = setTimeout(() => {
      inFlight = beat().finally(() => {
        if (!controller.signal.aborted) schedule();
      });
    }, options.intervalMs);
    timer.unref();
  };
  inFlight = beat().finally(schedule);
  return {
    async stop() {
      controller.abort();
      if (timer) clearTimeout(timer);
      await settleWithin(inFlight, 2000);
    },
  };
}
