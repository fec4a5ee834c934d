import type { LogEvent } from "../../api/admin";
import type { RecordedEvent } from "../../events/types";

/** One log entry on the wire: the stored event with its time as ISO (secret-free by construction). */
export function toLogEvent(event: RecordedEvent): LogEvent {
  return {
    seq: event.seq,
    id: event.id,
    stream: event.stream,
    version: event.version,
    type: event.type,
    schema: event.schema,
    data: event.data,
    meta: event.meta,
    at: new Date(event.at).toISOString(),
  };
}
