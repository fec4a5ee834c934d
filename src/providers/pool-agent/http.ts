/**
 * A minimal HTTP/1.1 exchange over a raw TCP socket: one request with `Connection: close`,
 * the answer read to its `Content-Length` (or the end of the stream), at most `maxBytes`,
 * within `timeoutMs`. The Worker cannot be assumed to `fetch()` a bare IP, so the pool agent
 * is reached through `connect()` of `cloudflare:sockets`; Node tests pass a `node:net` adapter.
 */

/** The part of `cloudflare:sockets`' Socket this module uses. */
export interface AgentSocket {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  readonly opened: Promise<unknown>;
  close(): Promise<void>;
}

export type ConnectSocket = (address: { hostname: string; port: number }) => AgentSocket;

export interface AgentRequest {
  host: string;
  port: number;
  method: "GET" | "PUT";
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface AgentResponse {
  status: number;
  body: string;
}

/** The socket could not be opened, or closed before an answer: the agent is not (yet) there. */
export class AgentUnreachable extends Error {}

const encoder = new TextEncoder();
const headerEnd = encoder.encode("\r\n\r\n");

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function concat(chunks: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

function requestBytes(request: AgentRequest): Uint8Array {
  const body = encoder.encode(request.body);
  const lines = [
    `${request.method} ${request.path} HTTP/1.1`,
    `Host: ${request.host.includes(":") ? `[${request.host}]` : request.host}:${request.port}`,
    "Connection: close",
    `Content-Length: ${body.length}`,
    ...(body.length > 0 ? ["Content-Type: application/json"] : []),
    ...Object.entries(request.headers).map(([name, value]) => `${name}: ${value}`),
  ];
  const head = encoder.encode(`${lines.join("\r\n")}\r\n\r\n`);
  return concat([head, body], head.length + body.length);
}

/** Parses a complete answer, or returns undefined while more bytes are needed. */
function parse(bytes: Uint8Array, ended: boolean): AgentResponse | undefined {
  const end = indexOf(bytes, headerEnd);
  if (end < 0) {
    if (ended) throw new Error("the pool agent closed the connection inside its answer's headers");
    return undefined;
  }
  const head = new TextDecoder().decode(bytes.subarray(0, end)).split("\r\n");
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? "");
  if (!status) throw new Error("the pool agent's answer is not HTTP/1.x");
  const headers = new Map(
    head.slice(1).map((line) => {
      const colon = line.indexOf(":");
      return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()] as const;
    }),
  );
  if (headers.has("transfer-encoding")) throw new Error("the pool agent's answer is chunked");
  const rest = bytes.subarray(end + headerEnd.length);
  const declared = headers.get("content-length");
  const length = declared === undefined ? undefined : Number(declared);
  if (length !== undefined && !(Number.isInteger(length) && length >= 0))
    throw new Error("the pool agent's answer has a bad Content-Length");
  if (length !== undefined && rest.length >= length)
    return { status: Number(status[1]), body: new TextDecoder().decode(rest.subarray(0, length)) };
  if (length === undefined && ended)
    return { status: Number(status[1]), body: new TextDecoder().decode(rest) };
  if (ended) throw new Error("the pool agent closed the connection inside its answer's body");
  return undefined;
}

async function exchange(
  socket: AgentSocket,
  request: AgentRequest,
  maxBytes: number,
): Promise<AgentResponse> {
  try {
    await socket.opened;
  } catch (error) {
    throw new AgentUnreachable((error as Error).message);
  }
  const writer = socket.writable.getWriter();
  try {
    await writer.write(requestBytes(request));
  } catch (error) {
    throw new AgentUnreachable((error as Error).message);
  } finally {
    writer.releaseLock();
  }
  const reader = socket.readable.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    for (;;) {
      const next = await reader.read().catch((error: Error) => {
        throw length === 0 ? new AgentUnreachable(error.message) : error;
      });
      if (next.done && length === 0) throw new AgentUnreachable("closed before answering");
      if (next.value) {
        chunks.push(next.value);
        length += next.value.length;
        if (length > maxBytes) throw new Error(`the pool agent's answer is over ${maxBytes} bytes`);
      }
      const parsed = parse(concat(chunks, length), next.done);
      if (parsed) return parsed;
    }
  } finally {
    reader.releaseLock();
  }
}

/** One request and its answer; the socket is closed either way. */
export async function agentExchange(
  connect: ConnectSocket,
  request: AgentRequest,
  limits: { timeoutMs: number; maxBytes: number },
): Promise<AgentResponse> {
  let socket: AgentSocket;
  try {
    socket = connect({ hostname: request.host, port: request.port });
  } catch (error) {
    throw new AgentUnreachable((error as Error).message);
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new AgentUnreachable(`no answer within ${limits.timeoutMs} ms`)),
      limits.timeoutMs,
    );
  });
  try {
    return await Promise.race([exchange(socket, request, limits.maxBytes), timeout]);
  } finally {
    clearTimeout(timer);
    await socket.close().catch(() => undefined);
  }
}
