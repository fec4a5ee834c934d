import { CrabboxError, isCrabboxError } from "../../../errors";
import { runStack } from "../../../stack/run-stack";
import { Command, Option } from "../clipanion";
import type { CrabboxContext } from "../context";

/** `crabbox dev` (and `npm start`): the coordinator in workerd plus local machines, in the foreground. */
export class DevCommand extends Command<CrabboxContext> {
  static override paths = [["dev"]];
  static interruptNote = "stopping the local stack";
  static override usage = Command.Usage({
    description: "Run a local coordinator with local machines (no cloud account needed)",
    details: `
      Starts the coordinator in workerd on 127.0.0.1:8787 (\`CRABBOX_PORT\` overrides) with its
      Durable Object storage in the Crabbox state directory, together with the local machine
      host, and makes \`local\` the default provider. Tokens come from \`CRABBOX_ADMIN_TOKEN\` /
      \`CRABBOX_SHARED_TOKEN\` or are generated; the coordinator URL and token are written into
      the user config so the CLI just works. Ctrl-C stops it; machines stay for the next start.
    `,
  });

  port = Option.String("--port", {
    description: "Port of the coordinator on 127.0.0.1 (default $CRABBOX_PORT or 8787)",
  });

  override async execute(): Promise<number> {
    const { stderr, signal } = this.context;
    if (this.port !== undefined && !/^\d{1,5}$/.test(this.port)) {
      throw new CrabboxError("usage", `--port must be a port number, got ${JSON.stringify(this.port)}`, {
        field: "port",
      });
    }
    const env = this.port === undefined ? this.context.env : { ...this.context.env, CRABBOX_PORT: this.port };
    const log = (line: string) => stderr.write(`crabbox dev: ${line}\n`);
    const stack = await runStack({ env, log }).catch((error: unknown) => {
      if (isCrabboxError(error)) throw error;
      throw new CrabboxError("internal", `cannot start the local stack: ${(error as Error).message}`);
    });
    const { info, userConfig } = stack;
    log(`coordinator listening on ${info.url} (provider local, state ${info.stateDir})`);
    log("portal: `crabbox dev portal` prints a one-time sign-in link");
    log(`machine host on ${info.hostUrl}`);
    if (userConfig?.written) log(`user config ${userConfig.path} now points at ${info.url}`);
    else if (userConfig) {
      log(
        `user config points at ${userConfig.configuredUrl}; left unchanged (use CRABBOX_COORDINATOR=${info.url} to reach this stack)`,
      );
    }
    log("press Ctrl-C to stop");
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener("abort", () => resolve(), { once: true });
    });
    log("stopping");
    await stack.stop();
    log("stopped");
    return 0;
  }
}
