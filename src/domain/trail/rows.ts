/**
 * A trail as rows a person reads (docs/event-log.md#the-trail-as-sentences): every event is a
 * sentence, and each run of consecutive heartbeats of one stream is one row with its count,
 * first and last time and the telemetry range, so a long lease does not bury what happened.
 */
import type { LogEvent } from "../../api/admin";
import type { DataOf } from "../../events/catalogue";
import { eventSentence, heartbeatData, heartbeatSentence, type SentenceContext } from "./sentence";

export interface TrailRow {
  /** The events behind the row (one, or a run of heartbeats), oldest first: the raw JSON. */
  events: LogEvent[];
  sentence: string;
  firstAt: string;
  lastAt: string;
}

function heartbeatRow(events: LogEvent[], data: DataOf<"Heartbeat">[]): TrailRow {
  const first = events[0] as LogEvent;
  const last = events.at(-1) as LogEvent;
  return { events, sentence: heartbeatSentence(events.length, data), firstAt: first.at, lastAt: last.at };
}

/** The rows of `events` (in log order). `ctx` carries what earlier pages knew (the request time). */
export function trailRows(events: readonly LogEvent[], ctx: SentenceContext = {}): TrailRow[] {
  const rows: TrailRow[] = [];
  const context = { ...ctx };
  let beats: { events: LogEvent[]; data: DataOf<"Heartbeat">[] } | undefined;
  const flush = () => {
    if (beats) rows.push(heartbeatRow(beats.events, beats.data));
    beats = undefined;
  };
  for (const event of events) {
    const beat = heartbeatData(event);
    if (beat && (!beats || beats.events[0]?.stream === event.stream)) {
      beats ??= { events: [], data: [] };
      beats.events.push(event);
      beats.data.push(beat);
      continue;
    }
    flush();
    if (beat) {
      beats = { events: [event], data: [beat] };
      continue;
    }
    if (event.type === "LeaseRequested") context.requestedAt = Date.parse(event.at);
    rows.push({
      events: [event],
      sentence: eventSentence(event, context),
      firstAt: event.at,
      lastAt: event.at,
    });
  }
  flush();
  return rows;
}
