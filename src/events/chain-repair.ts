/**
 * Hashes the events that have no hash yet (rows written before migration 0004, see
 * docs/event-log.md "Hash chain"), in seq order, chaining from the last hashed event before
 * them. Runs at DO start-up and, defensively, when the store finds the head unhashed.
 */
import { eventHash, genesisHash } from "./hash-chain";
import { type EventRow, hashBefore, storedFields } from "./stored-row";

/** Returns the head's hash after the repair (genesis for an empty log). */
export function repairChain(sql: SqlStorage): string {
  const first = sql
    .exec<{ seq: number | null }>("SELECT MIN(seq) AS seq FROM events WHERE hash IS NULL")
    .one().seq;
  if (first === null) {
    const head = sql.exec<{ hash: string }>("SELECT hash FROM events ORDER BY seq DESC LIMIT 1").toArray()[0];
    return head?.hash ?? genesisHash;
  }
  let prev = hashBefore(sql, first).hash;
  const rows = sql.exec<EventRow>("SELECT * FROM events WHERE seq >= ? ORDER BY seq", first).toArray();
  for (const row of rows) {
    prev = eventHash(prev, storedFields(row));
    sql.exec("UPDATE events SET hash = ? WHERE seq = ?", prev, row.seq);
  }
  return prev;
}
