import { afterAll, beforeAll } from "vitest";
import { type RunningStack, runStack } from "../../src/stack";
import { runCli } from "../cli/support";
import { isolatedEnv } from "../stack/support";
import { tempRepo } from "./repo";

/**
 * The set-up most e2e files share, registered as the calling `describe`'s hooks: an isolated
 * environment (fresh state and config directories, a free port), the local stack in this
 * process, and a temporary Git repository the CLI runs in; all stopped and removed afterwards.
 * The fields are filled in `beforeAll`, so read them inside tests.
 */
export function useLocalStack(
  options: { coordinatorVars?: Record<string, string>; cliEnv?: Record<string, string> } = {},
) {
  const suite = {
    stack: undefined as unknown as RunningStack,
    ctx: undefined as unknown as Awaited<ReturnType<typeof isolatedEnv>>,
    env: {} as Record<string, string | undefined>,
    repo: undefined as unknown as ReturnType<typeof tempRepo>,
    /** The CLI's `main` in the repository, with the suite's environment. */
    cli: (...argv: string[]) => runCli(argv, { env: suite.env, cwd: suite.repo.root }),
  };
  beforeAll(async () => {
    suite.ctx = await isolatedEnv();
    suite.stack = await runStack({
      env: suite.ctx.env,
      ...(options.coordinatorVars ? { coordinatorVars: options.coordinatorVars } : {}),
    });
    suite.env = { ...suite.ctx.env, ...options.cliEnv };
    suite.repo = tempRepo();
  });
  afterAll(async () => {
    await suite.stack?.stop();
    await suite.ctx?.cleanup();
  });
  return suite;
}
