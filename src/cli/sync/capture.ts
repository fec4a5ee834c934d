/** Running one remote sync step and turning its failure into a `sync_failed` that names the step. */
import { CrabboxError } from "../../errors";
import type { SshSession } from "../ssh/connect";

export interface Captured {
  exitCode: number;
  stdout: Buffer;
  stderr: string;
}

export async function capture(
  session: SshSession,
  command: string,
  stdin?: NodeJS.ReadableStream | Buffer | string,
): Promise<Captured> {
  const out: Buffer[] = [];
  let stderr = "";
  const result = await session.exec(command, {
    onStdout: (chunk) => out.push(chunk),
    onStderr: (chunk) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-4000);
    },
    ...(stdin === undefined ? {} : { stdin: stdin as never }),
  });
  return { exitCode: result.exitCode, stdout: Buffer.concat(out), stderr: stderr.trim() };
}

export function failed(step: string, result: Captured): CrabboxError {
  return new CrabboxError(
    "sync_failed",
    `remote ${step} failed (exit ${result.exitCode})${result.stderr ? `: ${result.stderr}` : ""}`,
    {
      step,
    },
  );
}
