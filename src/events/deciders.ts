/** Which decider owns a stream, by the stream's name (`lease:<id>`, `run:<id>`, `pool:<id>`, `fleet`). */
import { fleetDecider, fleetStream } from "./fleet-decider";
import { leaseDecider } from "./lease-decider";
import { poolDecider } from "./pool-decider";
import { runDecider } from "./run-decider";
import type { StreamDecider } from "./store-types";
import type { EventDraft } from "./types";

export function deciderForStream(stream: string): StreamDecider<unknown, unknown, EventDraft> | undefined {
  if (stream.startsWith("lease:")) return leaseDecider as StreamDecider<unknown, unknown, EventDraft>;
  if (stream.startsWith("run:")) return runDecider as StreamDecider<unknown, unknown, EventDraft>;
  if (stream.startsWith("pool:")) return poolDecider as StreamDecider<unknown, unknown, EventDraft>;
  if (stream === fleetStream) return fleetDecider as StreamDecider<unknown, unknown, EventDraft>;
  return undefined;
}
