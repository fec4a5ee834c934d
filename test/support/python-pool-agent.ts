/**
 * Runs the REAL pool agent script (the one the Linux bootstrap writes) under python3, with a
 * temp dir standing in for the machine's files (docs/providers.md#ready-pools).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { userInfo } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import {
  type PoolAgentConfig,
  poolAgentConfigPath,
  poolAgentScript,
} from "../../src/providers/pool-agent/agent-script";
import { PoolAgentClient } from "../../src/providers/pool-agent/client";
import { freePort } from "./free-port";
import { nodeConnect } from "./node-socket";

export interface RunningAgent {
  /** "listening" once its port is open; "exited" when it ended without listening. */
  started: Promise<"listening" | "exited">;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

export async function runPythonAgent(dir: string, config: PoolAgentConfig): Promise<RunningAgent> {
  const script = join(dir, "pool-agent.py");
  await writeFile(script, poolAgentScript);
  await writeFile(join(dir, "config.json"), JSON.stringify(config));
  const child: ChildProcess = spawn("python3", [script, join(dir, "config.json")], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const started = new Promise<"listening" | "exited">((resolve) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("listening")) resolve("listening");
    });
    void exited.then(() => resolve("exited"));
  });
  return {
    started,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill();
        await exited;
      }
    },
  };
}

export interface MachineAgent extends RunningAgent {
  config: PoolAgentConfig;
}

/**
 * The agent a cloud machine would run from its cloud-init: that document's config (token
 * included), with loopback paths in `dir` and `port`, and the throw-away key in place.
 */
export async function runAgentOfCloudInit(
  dir: string,
  cloudInit: string,
  port: number,
): Promise<MachineAgent> {
  const document = parse(cloudInit) as {
    users: { ssh_authorized_keys: string[] }[];
    write_files: { path: string; content: string }[];
  };
  const written = JSON.parse(
    document.write_files.find((f) => f.path === poolAgentConfigPath)?.content ?? "{}",
  ) as PoolAgentConfig;
  const config: PoolAgentConfig = {
    ...written,
    bind: "127.0.0.1",
    port,
    authorizedKeysPath: join(dir, ".ssh", "authorized_keys"),
    user: userInfo().username,
    readyMarker: join(dir, "bootstrapped"),
    doneMarker: join(dir, "handed-over"),
    afterHandOver: [],
  };
  await mkdir(join(dir, ".ssh"), { recursive: true });
  await writeFile(config.authorizedKeysPath, `${document.users[0]?.ssh_authorized_keys[0]}\n`);
  return { ...(await runPythonAgent(dir, config)), config };
}

/**
 * A coordinator-side agent client whose every dial goes to the agent on `localPort` (the
 * machine's real address is recorded in `dialled`, so a test can check where it would go).
 */
export async function loopbackAgentClient(secret: string): Promise<{
  client: PoolAgentClient;
  localPort: number;
  dialled: { hostname: string; port: number }[];
}> {
  const localPort = await freePort();
  const dialled: { hostname: string; port: number }[] = [];
  const client = new PoolAgentClient({
    secret,
    connect: (address) => {
      dialled.push(address);
      return nodeConnect({ hostname: "127.0.0.1", port: localPort });
    },
  });
  return { client, localPort, dialled };
}
