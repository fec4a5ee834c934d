/**
 * Property 6: a model-based run of the event store against a deliberately simple model — a
 * Map of streams to event lists, a global list, and a Map of dedupe keys — with fc.commands.
 * The model decides with the same pure deciders (they are not under test here); everything
 * the store adds — versions, seqs, dedupe, conflicts, paging — is checked against it.
 */
import { runInDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { expect, it } from "vitest";
import { isCrabboxError } from "../../src/errors";
import type { LeaseEvent } from "../../src/events/catalogue";
import { type LeaseCommand, leaseDecider, leaseStream } from "../../src/events/lease-decider";
import type { EventStore } from "../../src/events/store";
import type { EvolvableEvent } from "../../src/events/types";
import { t0, userMeta } from "../events/fixtures";
import { leaseCommand, stamp } from "./arbitraries";
import { freshFleet, leaseIDs } from "./store-support";

interface ModelEvent {
  stream: string;
  version: number;
  type: string;
  data: unknown;
  at: number;
}
type Answer = { status: string; version: number; types: string[] } | { error: string };
interface Model {
  now: number;
  streams: Map<string, ModelEvent[]>;
  log: ModelEvent[];
  keys: Map<string, { fingerprint: string; stream: string; answer: Answer }>;
}
interface Real {
  store: EventStore;
}

const streams = leaseIDs.map(leaseStream);

class Execute implements fc.Command<Model, Real> {
  constructor(
    readonly target: number,
    readonly command: LeaseCommand,
    readonly gap: number,
    readonly key: string | undefined,
    readonly fingerprint: string,
    readonly expectation: "none" | "current" | "stale",
  ) {}
  check = () => true;
  run(model: Model, real: Real): void {
    model.now += this.gap;
    const now = model.now;
    const stream = streams[this.target] ?? "";
    const events = model.streams.get(stream) ?? [];
    const command = stamp(this.command, now);
    const expectedVersion =
      this.expectation === "none"
        ? undefined
        : this.expectation === "current"
          ? events.length
          : events.length + 1;

    // The model's answer.
    let expected: Answer;
    const known = this.key === undefined ? undefined : model.keys.get(this.key);
    // A key is bound to one request: same fingerprint on the same stream.
    if (known && (known.fingerprint !== this.fingerprint || known.stream !== stream))
      expected = { error: "idempotency_key_reused" };
    else if (known)
      expected = "error" in known.answer ? known.answer : { ...known.answer, status: "deduplicated" };
    else if (expectedVersion !== undefined && expectedVersion !== events.length)
      expected = { error: "version_conflict" };
    else {
      const state = events.reduce(
        (s, e) => leaseDecider.evolve(s, e as EvolvableEvent<LeaseEvent>),
        leaseDecider.initialState(),
      );
      try {
        const decided = leaseDecider.decide(command, state, now);
        for (const e of decided) {
          const recorded = {
            stream,
            version: events.length + 1,
            type: e.type,
            data: JSON.parse(JSON.stringify(e.data)),
            at: now,
          };
          events.push(recorded);
          model.log.push(recorded);
        }
        model.streams.set(stream, events);
        expected = {
          status: decided.length ? "appended" : "unchanged",
          version: events.length,
          types: decided.map((e) => e.type),
        };
      } catch (error) {
        if (!isCrabboxError(error)) throw error;
        expected = { error: error.code };
      }
      if (this.key !== undefined)
        model.keys.set(this.key, { fingerprint: this.fingerprint, stream, answer: expected });
    }

    // The store's answer.
    let actual: Answer;
    try {
      const options = this.key === undefined ? {} : { dedupeKey: this.key, fingerprint: this.fingerprint };
      const result = real.store.execute({
        stream,
        decider: leaseDecider,
        command,
        now,
        meta: userMeta,
        expectedVersion,
        ...options,
      });
      actual = { status: result.status, version: result.version, types: result.events.map((e) => e.type) };
    } catch (error) {
      if (!isCrabboxError(error)) throw error;
      actual = { error: error.code };
    }
    expect(actual).toEqual(expected);
  }
  toString = () =>
    `execute(${this.target}, ${this.command.type}, +${this.gap}ms, key=${this.key}/${this.fingerprint}, expect=${this.expectation})`;
}

class ReadStream implements fc.Command<Model, Real> {
  constructor(
    readonly target: number,
    readonly after: number,
  ) {}
  check = () => true;
  run(model: Model, real: Real): void {
    const stream = streams[this.target] ?? "";
    const expected = (model.streams.get(stream) ?? []).filter((e) => e.version > this.after);
    const actual = real.store
      .readStream(stream, this.after)
      .map(({ stream: s, version, type, data, at }) => ({ stream: s, version, type, data, at }));
    expect(actual).toEqual(expected);
  }
  toString = () => `readStream(${this.target}, after ${this.after})`;
}

class ReadAll implements fc.Command<Model, Real> {
  constructor(
    readonly after: number,
    readonly limit: number,
    readonly type: string | undefined,
  ) {}
  check = () => true;
  run(model: Model, real: Real): void {
    const all = model.log.map((e, i) => ({ seq: i + 1, type: e.type, stream: e.stream, version: e.version }));
    const matching = all.filter(
      (e) => e.seq > this.after && (this.type === undefined || e.type === this.type),
    );
    const page = real.store.readAll({
      after: this.after,
      limit: this.limit,
      ...(this.type ? { type: this.type } : {}),
    });
    expect(page.events.map(({ seq, type, stream, version }) => ({ seq, type, stream, version }))).toEqual(
      matching.slice(0, this.limit),
    );
    expect(page.nextAfter).toBe(
      matching.length > this.limit ? (matching[this.limit - 1]?.seq ?? null) : null,
    );
    expect(real.store.head()).toBe(model.log.length);
  }
  toString = () => `readAll(after ${this.after}, limit ${this.limit}, type ${this.type})`;
}

const commands = [
  fc
    .record({
      target: fc.nat({ max: streams.length - 1 }),
      command: leaseCommand(),
      gap: fc.oneof(fc.integer({ min: 0, max: 60_000 }), fc.integer({ min: 1_000_000, max: 3_000_000 })),
      key: fc.option(fc.constantFrom("k1", "k2", "k3"), { nil: undefined }),
      fingerprint: fc.constantFrom("a", "b"),
      expectation: fc.constantFrom("none" as const, "none" as const, "current" as const, "stale" as const),
    })
    .map(({ target, command, gap, key, fingerprint, expectation }) => {
      // The arbitrary's lease ID is fixed; point requests at the stream they run on.
      const aimed: LeaseCommand =
        command.type === "RequestLease"
          ? { ...command, lease: { ...command.lease, leaseID: leaseIDs[target] ?? "" } }
          : command;
      return new Execute(target, aimed, gap, key, fingerprint, expectation);
    }),
  fc
    .record({ target: fc.nat({ max: streams.length - 1 }), after: fc.nat({ max: 6 }) })
    .map(({ target, after }) => new ReadStream(target, after)),
  fc
    .record({
      after: fc.nat({ max: 10 }),
      limit: fc.integer({ min: 1, max: 5 }),
      type: fc.option(fc.constantFrom("Heartbeat", "LeaseRequested", "Released"), { nil: undefined }),
    })
    .map(({ after, limit, type }) => new ReadAll(after, limit, type)),
];

it("behaves like a map of event lists with a dedupe table", async () => {
  await fc.assert(
    fc.asyncProperty(fc.commands(commands, { maxCommands: 40 }), async (cmds) => {
      await runInDurableObject(freshFleet("model"), (fleet) => {
        fc.modelRun(
          () => ({
            model: { now: t0, streams: new Map(), log: [], keys: new Map() },
            real: { store: fleet.store },
          }),
          cmds,
        );
      });
    }),
    { numRuns: 25 },
  );
});
