import ssh2, { type Client, type ClientChannel } from "ssh2";

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: string | undefined;
}

export function connectSsh(port: number, privateKey: string, username = "crabbox"): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    client.once("ready", () => resolve(client));
    client.once("error", reject);
    client.connect({ host: "127.0.0.1", port, username, privateKey, readyTimeout: 10_000 });
  });
}

export function openExec(
  client: Client,
  command: string,
  options: { pty?: boolean } = {},
): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    client.exec(
      command,
      options.pty ? { pty: { rows: 30, cols: 100, term: "xterm" } } : {},
      (error, channel) => (error ? reject(error) : resolve(channel)),
    );
  });
}

export function collect(channel: ClientChannel): Promise<ExecResult> {
  return new Promise((resolve) => {
    let stdout = "";
    let stderr = "";
    let code: number | null = null;
    let signal: string | undefined;
    channel.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    channel.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    channel.on("exit", (c: number | null, s?: string) => {
      code = c;
      signal = s ?? undefined;
    });
    // ssh2 sometimes reports the exit status only as arguments of "close".
    channel.on("close", (c?: number | null, s?: string) => {
      if (code === null && signal === undefined) {
        code = typeof c === "number" ? c : null;
        signal = s ?? undefined;
      }
      resolve({ stdout, stderr, code, signal });
    });
  });
}

export async function execOnce(
  port: number,
  privateKey: string,
  command: string,
  stdin?: string,
): Promise<ExecResult> {
  const client = await connectSsh(port, privateKey);
  try {
    const channel = await openExec(client, command);
    const done = collect(channel);
    if (stdin !== undefined) channel.end(stdin);
    return await done;
  } finally {
    client.end();
  }
}
