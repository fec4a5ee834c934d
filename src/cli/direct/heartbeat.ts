import type { DeleteTarget, Provider } from "../../providers/provider";
import { settleWithin } from "../time/settle-within";

export interface DirectHeartbeat {
  stop(): Promise<void>;
}

/**
 * Touches the machine's labels every `intervalMs` while the CLI uses it. A failed touch
 * warns once and never stops the run: the labels only decide when cleanup may delete it.
 */
export function startDirectHeartbeat(options: {
  provider: Provider;
  target: DeleteTarget;
  intervalMs: number;
  touch: () => Promise<void>;
  warn: (message: string) => void;
}): DirectHeartbeat {
  let stopped = false;
  let warned = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  const beat = async () => {
    try {
      await options.touch();
    } catch (error) {
      if (!stopped && !warned) {
        warned = true;
        options.warn(
          `could not refresh the labels of ${options.target.leaseID}: ${(error as Error).message}`,
        );
      }
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      inFlight = beat().finally(schedule);
    }, options.intervalMs);
    timer.unref();
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await settleWithin(inFlight, 2000);
    },
  };
}
