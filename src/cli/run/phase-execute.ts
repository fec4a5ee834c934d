import { PassThrough } from "node:stream";
import { interruptibleCommand } from "../ssh/interruptible";
import { collectTelemetry } from "../telemetry";
import type { RunContext, RunOutcome } from "./flow-types";
import { allowedEnv, buildRemoteCommand } from "./remote-command";
import { markResultsStartCommand, resultsAuto } from "./results-auto";
import { endSampleWorthIt } from "./telemetry-samples";

/**
 * Execute: runs the command in the workdir with its output streamed to the caller (and the
 * run record), then takes the closing telemetry sample. Returns when the command ended, for
 * the collect phase's timing. Ctrl-C stops the remote command and marks the run interrupted.
 */
export async function executePhase(ctx: RunContext, outcome: RunOutcome): Promise<number> {
  const { io, options, target, recorder, workdir } = ctx;
  const { config, env, signal, progress } = io;
  const { connection } = target;
  const remote = buildRemoteCommand({
    workdir,
    argv: options.argv,
    shell: options.shell,
    env: allowedEnv(config.env.allow, env),
    target: connection.target,
  });
  progress.info(`running on ${connection.host}: ${options.argv.join(" ")}`);
  progress.done();
  recorder.event({ type: "command.started", phase: "command", message: options.argv.join(" ") });
  if (resultsAuto(ctx)) await target.session.exec(markResultsStartCommand(workdir));
  const commandStarted = Date.now();
  // The stop-watchdog of the wrapped command holds stdin: it stays open until the command
  // ends, and its EOF (Ctrl-C closes the channel) stops the remote process group.
  const hold = new PassThrough();
  const windows = connection.target === "windows";
  const result = await target.session.exec(windows ? remote : interruptibleCommand(remote, 5), {
    signal,
    ...(windows ? {} : { stdin: hold }),
    onStdout: (chunk) => {
      io.stdout.write(chunk);
      recorder.output("stdout", chunk);
    },
    onStderr: (chunk) => {
      io.stderr.write(chunk);
      recorder.output("stderr", chunk);
    },
  });
  hold.end();
  const commandEnded = Date.now();
  outcome.phases.command = commandEnded - commandStarted;
  recorder.flushOutput();
  if (
    connection.target === "linux" &&
    recorder.enabled &&
    !signal.aborted &&
    endSampleWorthIt(commandEnded - commandStarted)
  )
    outcome.telemetry.end = await collectTelemetry(target.session);
  outcome.commandMs = Date.now() - commandStarted;
  outcome.interrupted = Boolean(result.aborted) || signal.aborted;
  outcome.exitCode = outcome.interrupted ? 130 : result.exitCode;
  return commandEnded;
}
