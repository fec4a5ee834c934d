import { stopLocalStack } from "../../../stack/stop";
import { Command } from "../clipanion";
import type { CrabboxContext } from "../context";

/** `crabbox dev stop`: stops the background (or foreground) local stack. */
export class DevStopCommand extends Command<CrabboxContext> {
  static override paths = [["dev", "stop"]];
  static override usage = Command.Usage({
    description: "Stop the local stack and its machines' SSH servers (machines are kept for the next start)",
  });

  override async execute(): Promise<number> {
    const outcome = await stopLocalStack(this.context.env);
    if (!outcome.stopped) {
      this.context.stdout.write("local stack: not running\n");
      return 0;
    }
    this.context.stdout.write(
      `local stack: stopped pid ${outcome.pid} (${outcome.url})${outcome.forced ? " after it ignored SIGTERM" : ""}\n`,
    );
    return 0;
  }
}
