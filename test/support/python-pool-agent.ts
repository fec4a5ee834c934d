/**
 * Runs the REAL pool agent script (the one the Linux bootstrap writes) under python3, with a
 * temp dir standing in for the machine's files (docs/providers.md#ready-pools).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type PoolAgentConfig, poolAgentScript } from "../../src/providers/pool-agent/agent-script";

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
