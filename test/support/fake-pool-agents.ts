/**
 * Pool machines' agents for workerd tests, where python cannot run: the protocol of the real
 * agent (src/providers/pool-agent/agent-script.ts, whose own test runs it under python3;
 * docs/providers.md#ready-pools), served in memory behind a `connect()`. Each machine's agent
 * takes its port and token from the cloud-init the provider created the machine with, as the
 * real one reads them from the file that cloud-init writes.
 */
import { parse } from "yaml";
import { poolAgentConfigPath } from "../../src/providers/pool-agent/agent-script";
import type { AgentSocket, ConnectSocket } from "../../src/providers/pool-agent/http";
import {
  signAgentRequest,
  signatureHeader,
  timestampHeader,
  timestampSkewSeconds,
} from "../../src/providers/pool-agent/signature";

export interface AgentMachine {
  host: string;
  userData: string;
}

interface CloudInit {
  users?: { ssh_authorized_keys?: string[] }[];
  write_files?: { path: string; content: string }[];
}

const encoder = new TextEncoder();

export class FakePoolAgents {
  /** Hosts whose bootstrap finished (the readiness marker exists). */
  readonly booted = new Set<string>();
  /** The one key that opens each host: the cloud-init's, then the one handed over. */
  readonly authorizedKeys = new Map<string, string>();
  readonly handedOver = new Set<string>();
  readonly answers: { host: string; method: string; path: string; status: number }[] = [];

  constructor(private readonly machines: () => AgentMachine[]) {}

  readonly connect: ConnectSocket = ({ hostname, port }) => {
    const machine = this.machines().find((m) => m.host === hostname);
    const init = machine ? (parse(machine.userData.replace(/^#cloud-config\n/, "")) as CloudInit) : undefined;
    const file = init?.write_files?.find((f) => f.path === poolAgentConfigPath);
    const config = file ? (JSON.parse(file.content) as { port: number; token: string }) : undefined;
    if (!machine || !config || config.port !== port || this.handedOver.has(hostname)) return refused();
    if (!this.authorizedKeys.has(hostname))
      this.authorizedKeys.set(hostname, init?.users?.[0]?.ssh_authorized_keys?.[0] ?? "");
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const readable = new ReadableStream<Uint8Array>({
      start: (c) => {
        controller = c;
      },
    });
    let received = "";
    const writable = new WritableStream<Uint8Array>({
      write: async (chunk) => {
        received += new TextDecoder().decode(chunk);
        const end = received.indexOf("\r\n\r\n");
        if (end < 0) return;
        const [line = "", ...headerLines] = received.slice(0, end).split("\r\n");
        const headers = new Map(
          headerLines.map((h) => [
            h.slice(0, h.indexOf(":")).toLowerCase(),
            h.slice(h.indexOf(":") + 1).trim(),
          ]),
        );
        const body = received.slice(end + 4);
        if (body.length < Number(headers.get("content-length") ?? 0)) return;
        const [method = "", path = ""] = line.split(" ");
        const [status, payload] = await this.answer(hostname, config.token, { method, path, headers, body });
        this.answers.push({ host: hostname, method, path, status });
        const data = JSON.stringify(payload);
        controller.enqueue(
          encoder.encode(
            `HTTP/1.1 ${status} X\r\nContent-Type: application/json\r\nContent-Length: ${encoder.encode(data).length}\r\nConnection: close\r\n\r\n${data}`,
          ),
        );
        controller.close();
      },
    });
    return { readable, writable, opened: Promise.resolve({}), close: async () => undefined };
  };

  private async answer(
    host: string,
    token: string,
    request: { method: string; path: string; headers: Map<string, string>; body: string },
  ): Promise<[number, unknown]> {
    const stamp = request.headers.get(timestampHeader.toLowerCase()) ?? "";
    if (!/^\d+$/.test(stamp) || Math.abs(Date.now() / 1000 - Number(stamp)) > timestampSkewSeconds)
      return [401, { error: "stale_or_missing_timestamp" }];
    const expected = await signAgentRequest(token, { ...request, timestamp: Number(stamp) });
    if (request.headers.get(signatureHeader.toLowerCase()) !== expected)
      return [401, { error: "bad_signature" }];
    if (request.method === "GET" && request.path === "/ready") return [200, { ready: this.booted.has(host) }];
    if (request.method !== "PUT" || request.path !== "/authorized-key") return [404, { error: "not_found" }];
    this.authorizedKeys.set(host, (JSON.parse(request.body) as { sshPublicKey: string }).sshPublicKey);
    this.handedOver.add(host);
    return [200, { handedOver: true }];
  }
}

function refused(): AgentSocket {
  const opened = Promise.reject(new Error("connection refused"));
  opened.catch(() => undefined);
  return {
    readable: new ReadableStream(),
    writable: new WritableStream(),
    opened,
    close: async () => undefined,
  };
}
