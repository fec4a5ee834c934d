/**
 * Given/when/then for deciders: given past events (with their times), when a command at `now`,
 * then exactly these events in this order, or this error code, or nothing.
 */
import { expect } from "vitest";
import type { Decider, EventDraft, EvolvableEvent } from "../../src/events/types";

export function deciderSpec<S, C, E extends EventDraft>(decider: Decider<S, C, E>) {
  return (given: EvolvableEvent<E>[]) => {
    const state = given.reduce((s, e) => decider.evolve(s, e), decider.initialState());
    return {
      state,
      when(command: C, now: number) {
        const attempt = () => decider.decide(command, state, now);
        return {
          thenEmits(expected: E[]) {
            expect(attempt()).toEqual(expected);
          },
          thenThrows(code: string) {
            expect(attempt).toThrowError(expect.objectContaining({ code }));
          },
          thenNothingHappens() {
            expect(attempt()).toEqual([]);
          },
          events: attempt,
        };
      },
    };
  };
}

/** Stamps drafts with a time, to use decided events as `given` history. */
export function at<E extends EventDraft>(time: number, ...events: E[]): EvolvableEvent<E>[] {
  return events.map((e) => ({ type: e.type, data: e.data, at: time }) as EvolvableEvent<E>);
}
