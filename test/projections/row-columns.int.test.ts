import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type ColumnKind, snakeCase } from "../../src/projections/codec";
import { leaseColumns } from "../../src/projections/leases";
import { poolColumns } from "../../src/projections/pool-machines";
import { runColumns } from "../../src/projections/runs";

const sqlType = { text: "TEXT", json: "TEXT", int: "INTEGER", bool: "INTEGER", real: "REAL" } as const;

async function tableColumns(table: string) {
  const stub = env.FLEET.get(env.FLEET.idFromName(`columns-${crypto.randomUUID()}`));
  return runInDurableObject(stub, (_instance, state) =>
    state.storage.sql
      .exec<{ name: string; type: string; notnull: number }>(
        'SELECT name, type, "notnull" FROM pragma_table_info(?)',
        table,
      )
      .toArray()
      // Columns added by later migrations (`ALTER TABLE … ADD COLUMN`) come after `last_seq`.
      .sort((a, b) => a.name.localeCompare(b.name)),
  );
}

function expectedColumns(columns: readonly { column: string; kind: ColumnKind; optional?: boolean }[]) {
  return [
    ...columns.map((c) => ({
      name: c.column,
      type: sqlType[c.kind],
      // The primary key's NOT NULL is implied, not declared.
      notnull: c.optional || c.column === "id" ? 0 : 1,
    })),
    { name: "last_seq", type: "INTEGER", notnull: 1 },
  ].sort((a, b) => a.name.localeCompare(b.name));
}

describe("the leases, runs and pool machine rows are their aggregate's state, column for column", () => {
  it("match the tables the migrations build: names, types and NULL-ability", async () => {
    expect(await tableColumns("leases")).toEqual(expectedColumns(leaseColumns));
    expect(await tableColumns("runs")).toEqual(expectedColumns(runColumns));
    expect(await tableColumns("pool_machines")).toEqual(expectedColumns(poolColumns));
  });
  it("name each column after its state field", () => {
    expect(snakeCase("estimatedHourlyUSD")).toBe("estimated_hourly_usd");
    expect(snakeCase("cloudID")).toBe("cloud_id");
    expect(snakeCase("nextDeleteAttemptAt")).toBe("next_delete_attempt_at");
    for (const c of [...leaseColumns, ...runColumns]) expect(c.column).toBe(snakeCase(c.key));
  });
});
