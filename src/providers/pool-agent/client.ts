/**
 * The coordinator's side of the pool agent (docs/providers.md#ready-pools): `isReady` and
 * `authorizeKey` for any provider whose Linux machines run the agent, given the machine's
 * public host. An agent that cannot be reached (still booting, not listening yet) is "not
 * ready", never an error; a refusal is an error whose text carries no token or signature.
 */
import { CrabboxError } from "../../errors";
import type { DeleteTarget, ProviderMachine, ProviderName } from "../provider";
import { AgentUnreachable, agentExchange, type ConnectSocket } from "./http";
import { poolAgentToken, signAgentRequest, signatureHeader, timestampHeader } from "./signature";

/** The agent's TCP port on every pool machine (opened by the AWS group and the Azure NSG). */
export const poolAgentPort = 8922;

/** The fleet secret every machine's token is derived from (docs/deploy.md). */
export const poolAgentSecretVariable = "CRABBOX_POOL_AGENT_SECRET";

export interface PoolAgentOptions {
  connect: ConnectSocket;
  secret: string;
  port?: number;
  /** Deadline of one exchange; default 5 s. */
  timeoutMs?: number;
  /** Unix ms; the agent compares the request's timestamp with its own clock. */
  now?: () => number;
}

const maxAnswerBytes = 16_384;

export class PoolAgentClient {
  readonly port: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(private readonly options: PoolAgentOptions) {
    this.port = options.port ?? poolAgentPort;
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.now = options.now ?? Date.now;
  }

  /** What the machine named `machineName` is created with (`MachineSpec.poolAgent`). */
  async machineAgent(machineName: string): Promise<{ port: number; token: string }> {
    return { port: this.port, token: await poolAgentToken(this.options.secret, machineName) };
  }

  async isReady(host: string, machineName: string): Promise<boolean> {
    let answer: { status: number; body: string };
    try {
      answer = await this.call(host, machineName, "GET", "/ready", "");
    } catch (error) {
      if (error instanceof AgentUnreachable) return false;
      throw refused("GET /ready", error);
    }
    if (answer.status !== 200) throw refused("GET /ready", answer.status, answer.body);
    const parsed = safeJson(answer.body) as { ready?: unknown } | undefined;
    return parsed?.ready === true;
  }

  async authorizeKey(host: string, machineName: string, sshPublicKey: string): Promise<void> {
    let answer: { status: number; body: string };
    try {
      answer = await this.call(
        host,
        machineName,
        "PUT",
        "/authorized-key",
        JSON.stringify({ sshPublicKey: sshPublicKey.trim() }),
      );
    } catch (error) {
      throw refused("PUT /authorized-key", error);
    }
    if (answer.status !== 200) throw refused("PUT /authorized-key", answer.status, answer.body);
  }

  private async call(host: string, machineName: string, method: "GET" | "PUT", path: string, body: string) {
    const token = await poolAgentToken(this.options.secret, machineName);
    const timestamp = Math.floor(this.now() / 1000);
    const signature = await signAgentRequest(token, { method, path, timestamp, body });
    return agentExchange(
      this.options.connect,
      {
        host,
        port: this.port,
        method,
        path,
        body,
        headers: { [timestampHeader]: String(timestamp), [signatureHeader]: signature },
      },
      { timeoutMs: this.timeoutMs, maxBytes: maxAnswerBytes },
    );
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function refused(call: string, cause: unknown, body?: string): CrabboxError {
  const error = (safeJson(body ?? "") as { error?: unknown } | undefined)?.error;
  const reason =
    typeof cause === "number"
      ? `answered ${cause}${typeof error === "string" ? ` ${error.slice(0, 64)}` : ""}`
      : (cause as Error).message;
  return new CrabboxError("provider_error", `pool agent ${call} failed: ${reason}`, {
    ...(typeof cause === "number" ? { providerStatus: cause } : {}),
  });
}

/**
 * `isReady` and `authorizeKey` of a cloud provider, through its machines' agents. The host is
 * the pool machine record's (`DeleteTarget.host`), else the provider's own inventory.
 */
export function poolAgentCalls(
  provider: ProviderName,
  agent: PoolAgentClient | undefined,
  findByLease: (leaseID: string) => Promise<ProviderMachine[]>,
) {
  const need = (): PoolAgentClient => {
    if (agent) return agent;
    throw new CrabboxError(
      "config",
      `ready pools on ${provider} need the ${poolAgentSecretVariable} secret (docs/deploy.md)`,
      { field: poolAgentSecretVariable },
    );
  };
  const hostOf = async (target: DeleteTarget): Promise<string | undefined> => {
    if (target.host) return target.host;
    const machines = await findByLease(target.leaseID);
    return machines.find((m) => m.cloudID === target.cloudID)?.host || undefined;
  };
  return {
    async isReady(target: DeleteTarget): Promise<boolean> {
      const client = need();
      const host = await hostOf(target);
      return host ? client.isReady(host, target.leaseID) : false;
    },
    async authorizeKey(target: DeleteTarget, sshPublicKey: string): Promise<void> {
      const client = need();
      const host = await hostOf(target);
      if (!host)
        throw new CrabboxError(
          "provider_error",
          `${provider} machine ${target.cloudID} has no public address`,
        );
      await client.authorizeKey(host, target.leaseID, sshPublicKey);
    },
  };
}
