import type { Provider, ProviderName } from "./providers/provider";

/**
 * Every hook by which tests reach into production code, in one place (docs/api.md#providers).
 * The workerd tests share the isolate with the Fleet Durable Object, so they can set these;
 * production code reads them only through the functions below, and each one answers with
 * the neutral value (no provider, no override, no clock offset) unless the environment it is
 * given says `CRABBOX_TEST_MODE=1`. The workerd test project sets that binding; a deployment
 * never does (docs/deploy.md#tests-only), so a deployed coordinator cannot be redirected by a
 * stray call.
 *
 * Seams passed as constructor options (the event store's `faultAt`) need no gate: only a test
 * constructs the object with them.
 */

export type ProviderFactory = (name: ProviderName, env: Record<string, unknown>) => Provider | undefined;

const installed: {
  providers: ProviderFactory | undefined;
  env: Record<string, unknown>;
  clockOffsetMs: number;
} = { providers: undefined, env: {}, clockOffsetMs: 0 };

export function testModeOn(env: Record<string, unknown>): boolean {
  return env.CRABBOX_TEST_MODE === "1";
}

/** What tests set. Nothing here has an effect on an environment without test mode. */
export const testSeams = {
  /** Builds providers by name; `undefined` goes back to the registry's own. */
  installProviders(factory: ProviderFactory | undefined): void {
    installed.providers = factory;
  },
  /** Replaces the variables layered over the Durable Object's environment. */
  setEnv(overrides: Record<string, unknown>): void {
    installed.env = { ...overrides };
  },
  /** Moves the Fleet's clock forward (expiry, retries and deadlines without waiting). */
  advanceClock(ms: number): void {
    installed.clockOffsetMs += ms;
  },
  /** Providers and environment back to production's; the clock keeps its offset (time only moves forward). */
  reset(): void {
    installed.providers = undefined;
    installed.env = {};
  },
  /**
   * Everything back to production's, the clock too: only between workerd test files, when
   * every Durable Object is deleted as well, so no object sees its time go backwards.
   */
  resetForNextFile(): void {
    testSeams.reset();
    installed.clockOffsetMs = 0;
  },
};

/** The provider a test installed for `name`, if any and if `env` is in test mode. */
export function testProvider(name: ProviderName, env: Record<string, unknown>): Provider | undefined {
  return installed.providers && testModeOn(env) ? installed.providers(name, env) : undefined;
}

/** `env` with the tests' overrides on top when in test mode; `env` itself otherwise. */
export function withTestEnv(env: Record<string, unknown>): Record<string, unknown> {
  return testModeOn(env) ? { ...env, ...installed.env } : env;
}

/** How far tests have moved the Fleet's clock; 0 outside test mode. */
export function testClockOffsetMs(env: Record<string, unknown>): number {
  return testModeOn(env) ? installed.clockOffsetMs : 0;
}
