import type { PoolMachineState } from "../../../events/pool-state";
import { abandonedClaims, poolMachinesIn, poolMachinesInState } from "../../../projections/pool-queries";
import type { Provider } from "../../../providers/provider";
import { withDeadline } from "../deadline";
import type { FleetDeps } from "../deps";
import { costAllowsPoolMachine } from "./pool-cost-allows";
import { executePoolCommand, provisionPoolMachine, requestPoolMachine } from "./pool-create";
import { type PoolSetting, poolKey } from "./pool-settings";

/** Work items per alarm run, as for leases. */
const batch = 50;
/** Claims looked at for abandonment: a hand-over older than this is the orphan sweep's. */
const claimWindowMs = 86_400_000;

/**
 * Keeps every configured pool filled (docs/event-log.md#ready-pools), run by the Fleet's one
 * alarm: expires ready machines past their age (or of a pool no longer configured), reconciles
 * creates left unanswered past their deadline, deletes expired machines, and requests new ones
 * while a pool is below `min`. The intent is logged before every create.
 */
export class PoolKeeper {
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly deleting = new Set<string>();
  /** Pool key or machine id → not retried before this time (a failed create, delete or lookup). */
  private readonly notBefore = new Map<string, number>();
  /** Re-arms the alarm once a background create settled (set by the Fleet). */
  onSettled: () => Promise<void> = async () => {};

  constructor(private readonly deps: FleetDeps) {}

  /** Creates in flight, for tests and the restart path: settles when every one has. */
  async settled(): Promise<void> {
    while (this.inflight.size) await Promise.all([...this.inflight.values()]);
  }

  private pools(): PoolSetting[] {
    return this.deps.settings.pools.pools;
  }

  private after(key: string, now: number): number {
    return Math.max(now, this.notBefore.get(key) ?? 0);
  }

  nextDue(): number | undefined {
    const now = this.deps.now();
    const times: number[] = [];
    const configured = new Map(this.pools().map((p) => [poolKey(p), p]));
    for (const pool of configured.values()) {
      if (this.missing(pool) > 0) times.push(this.after(poolKey(pool), now));
    }
    for (const m of poolMachinesInState(this.deps.sql, ["ready"], batch)) {
      const pool = configured.get(poolKey(m));
      times.push(pool ? (m.readyAt ?? m.updatedAt) + pool.maxReadyAgeMs : now);
    }
    for (const m of poolMachinesInState(this.deps.sql, ["provisioning"], batch)) {
      if (!this.inflight.has(m.id)) times.push(this.after(m.id, m.provisioningDeadlineAt));
    }
    for (const m of poolMachinesInState(this.deps.sql, ["expired"], batch)) {
      if (!this.deleting.has(m.id)) times.push(this.after(m.id, now));
    }
    if (abandonedClaims(this.deps.sql, now - claimWindowMs, 1).length) times.push(now);
    return times.length ? Math.min(...times) : undefined;
  }

  /** Machines the pool still needs: below `min`, never above `max`. */
  private missing(pool: PoolSetting): number {
    const live = poolMachinesIn(this.deps.sql, pool, ["provisioning", "ready"]).length;
    return Math.max(0, Math.min(pool.min, pool.max) - live);
  }

  async run(requestId: string): Promise<void> {
    const now = this.deps.now();
    this.expire(now, requestId);
    for (const m of poolMachinesInState(this.deps.sql, ["provisioning"], batch)) {
      if (!this.inflight.has(m.id) && m.provisioningDeadlineAt <= now && this.after(m.id, now) <= now)
        await this.reconcile(m, requestId);
    }
    const deletes = poolMachinesInState(this.deps.sql, ["expired"], batch).filter(
      (m) => !this.deleting.has(m.id) && this.after(m.id, now) <= now,
    );
    await Promise.all(deletes.map((m) => this.delete(m, requestId)));
    await this.fill(now, requestId);
  }

  private expire(now: number, requestId: string): void {
    // A hand-over a restart cut off, whose lease then ended without the machine.
    for (const m of abandonedClaims(this.deps.sql, now - claimWindowMs, batch))
      executePoolCommand(
        this.deps,
        m.id,
        { type: "ExpirePoolMachine", reason: "claim_abandoned" },
        requestId,
      );
    const configured = new Map(this.pools().map((p) => [poolKey(p), p]));
    for (const m of poolMachinesInState(this.deps.sql, ["ready"], batch)) {
      const pool = configured.get(poolKey(m));
      if (!pool)
        executePoolCommand(this.deps, m.id, { type: "ExpirePoolMachine", reason: "pool_removed" }, requestId);
      else if ((m.readyAt ?? m.updatedAt) + pool.maxReadyAgeMs <= now)
        executePoolCommand(this.deps, m.id, { type: "ExpirePoolMachine", reason: "ready_age" }, requestId);
    }
  }

  private provider(name: string): Provider | undefined {
    try {
      return this.deps.provider(name);
    } catch {
      return undefined;
    }
  }

  /** A create that never answered: whatever the provider made for it is deleted, not adopted. */
  private async reconcile(m: PoolMachineState, requestId: string): Promise<void> {
    const provider = this.provider(m.provider);
    const found = provider
      ? await withDeadline(
          `provider ${m.provider} findByLease`,
          this.deps.settings.providerCallTimeoutMs,
          () => provider.findByLease(m.id),
        ).catch(() => undefined)
      : [];
    if (!found) {
      this.notBefore.set(m.id, this.deps.now() + this.deps.settings.providerCallTimeoutMs);
      return;
    }
    const message = `provider ${m.provider} did not answer the pool create before its deadline`;
    executePoolCommand(
      this.deps,
      m.id,
      { type: "RecordPoolMachineFailed", code: "timeout", message },
      requestId,
    );
    const [first] = found;
    if (first)
      executePoolCommand(
        this.deps,
        m.id,
        { type: "ExpirePoolMachine", reason: "create_unknown", cloudID: first.cloudID },
        requestId,
      );
  }

  private async delete(m: PoolMachineState, requestId: string): Promise<void> {
    const provider = this.provider(m.provider);
    if (!provider || !m.cloudID) return;
    this.deleting.add(m.id);
    try {
      const outcome = await withDeadline(
        `provider ${m.provider} delete`,
        this.deps.settings.providerCallTimeoutMs,
        () =>
          provider.delete({
            cloudID: m.cloudID as string,
            leaseID: m.id,
            ...(m.region ? { region: m.region } : {}),
          }),
      );
      executePoolCommand(
        this.deps,
        m.id,
        { type: "RecordPoolMachineDeleted", alreadyGone: outcome === "already_gone" },
        requestId,
      );
      this.notBefore.delete(m.id);
    } catch (error) {
      console.warn(`fleet pool: deleting ${m.id} failed: ${(error as Error).message}`);
      this.notBefore.set(m.id, this.deps.now() + this.deps.settings.deleteRetryBaseMs);
    } finally {
      this.deleting.delete(m.id);
    }
  }

  private async fill(now: number, requestId: string): Promise<void> {
    for (const pool of this.pools()) {
      const key = poolKey(pool);
      if (this.after(key, now) > now) continue;
      const provider = this.provider(pool.provider);
      if (!provider) continue;
      for (let need = this.missing(pool); need > 0; need--) {
        if (!costAllowsPoolMachine(this.deps, now)) {
          this.notBefore.set(key, now + this.deps.settings.deleteRetryBaseMs);
          break;
        }
        const id = await requestPoolMachine(this.deps, pool, requestId);
        const work = provisionPoolMachine(this.deps, id, pool, provider, requestId).finally(() => {
          this.inflight.delete(id);
          const failed = poolMachinesIn(this.deps.sql, pool, ["failed"]).some((m) => m.id === id);
          if (failed) this.notBefore.set(key, this.deps.now() + this.deps.settings.deleteRetryBaseMs);
          return this.onSettled();
        });
        this.inflight.set(id, work);
      }
    }
  }
}
