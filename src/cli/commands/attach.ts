import { sleepOrWake } from "../../time/sleep";
import { parseDuration } from "../config";
import { CrabboxCommand } from "./base";
import { Command, Option } from "./clipanion";
import { eventLine, nonNegativeInt } from "./events";
import { requireRunId, runIdOption, runIdPositional } from "./run-options";

export class AttachCommand extends CrabboxCommand {
  static override paths = [["attach"]];
  static override usage = Command.Usage({
    description: "Follow a run from another terminal: its output on stdout/stderr, other events on stderr",
  });
  id = runIdOption();
  positional = runIdPositional();
  after = Option.String("--after", "0", { description: "Start after this sequence number" });
  poll = Option.String("--poll", "1s", { description: "Poll interval" });

  async execute(): Promise<number> {
    const runID = requireRunId(this.id, this.positional, "attach");
    let after = nonNegativeInt(this.after, "--after");
    const pollMs = parseDuration(this.poll, "--poll");
    const client = this.requireCoordinator(this.loadConfig(), "attach");
    const signal = this.context.signal;
    for (;;) {
      const events = await client.runEvents(runID, after, 100, signal);
      for (const event of events) {
        after = event.seq;
        if (event.type === "stdout" || event.type === "stderr") {
          const stream = event.type === "stdout" ? this.context.stdout : this.context.stderr;
          stream.write(event.data ?? event.message ?? "");
        } else {
          this.err(eventLine(event));
        }
      }
      if (events.length === 0) {
        const run = await client.getRun(runID);
        if (run.state !== "running") return 0;
        await sleepOrWake(pollMs, signal);
        if (signal.aborted) return 130;
      }
    }
  }
}
