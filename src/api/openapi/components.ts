/**
 * The document's shared schemas (docs/api.md, "OpenAPI"): the records several routes answer
 * with are converted once into `components.schemas` and referenced with `$ref` wherever a
 * route's converted schema holds exactly that record, instead of being inlined every time.
 */
import { z } from "zod";
import { LogEvent, OrphanEntry, PoolMachine, ReadyPool } from "../admin";
import { ErrorBody } from "../errors";
import { ExportEntry } from "../export";
import { LeaseRecord, LeaseShare } from "../leases";
import { RunEventRecord, RunRecord } from "../runs";
import { TelemetrySample } from "../telemetry";
import { CostLimits, UsageSummary } from "../usage";
import { WebhookDelivery, WebhookRecord } from "../webhooks";

export type Json = Record<string, unknown>;

/** A zod schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect), as a request reads it or an answer is written. */
export function jsonSchema(schema: z.ZodType, io: "input" | "output"): Json {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    target: "draft-2020-12",
    io,
    unrepresentable: "any",
  }) as Json;
  return rest;
}

/** Answer records by component name; `Error` is every error answer's body. */
const shared: Record<string, z.ZodType> = {
  Error: ErrorBody,
  LeaseRecord,
  LeaseShare,
  TelemetrySample,
  RunRecord,
  RunEventRecord,
  LogEvent,
  ExportEntry,
  WebhookRecord,
  WebhookDelivery,
  OrphanEntry,
  PoolMachine,
  ReadyPool,
  UsageSummary,
  CostLimits,
};

export const componentRef = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** Replaces every subtree equal to a shared record's schema with a `$ref` to it (the root too, unless `keepRoot`). */
export class Components {
  private readonly byText = new Map<string, string>();
  readonly schemas: Record<string, Json> = {};

  constructor() {
    for (const [name, schema] of Object.entries(shared)) {
      this.byText.set(JSON.stringify(jsonSchema(schema, "output")), name);
    }
    for (const [name, schema] of Object.entries(shared)) {
      this.schemas[name] = this.refer(jsonSchema(schema, "output"), true) as Json;
    }
  }

  refer(node: unknown, keepRoot = false): unknown {
    if (Array.isArray(node)) return node.map((item) => this.refer(item));
    if (node === null || typeof node !== "object") return node;
    const name = keepRoot ? undefined : this.byText.get(JSON.stringify(node));
    if (name) return componentRef(name);
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, this.refer(value)]));
  }
}
