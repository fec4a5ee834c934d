/** One loopback EC2 fake per test file, and AwsProviders pointed at it with fast retries. */
import { afterEach } from "vitest";
import { AwsProvider } from "../../../src/providers/aws";
import type { AwsProviderOptions } from "../../../src/providers/aws/options";
import { FakeEc2 } from "../../support/fake-ec2";
import { machineSpec } from "../../support/machine-spec";
import { servedDuringFile } from "../../support/served-during-file";

export function fakeAwsForFile() {
  const fake = new FakeEc2();
  const server = servedDuringFile(fake);
  /** The backoff sleeps the last provider asked for (it never really sleeps). */
  const sleeps: number[] = [];
  afterEach(() => fake.reset());

  function provider(change: Partial<AwsProviderOptions> = {}) {
    sleeps.length = 0;
    return new AwsProvider({
      credentials: { accessKeyId: fake.accessKeyId, secretAccessKey: fake.secretAccessKey },
      endpoint: () => server.url,
      retry: {
        // Generous: no test relies on this budget running out, and a busy CI machine is slow.
        timeoutMs: 5_000,
        maxRetries: 2,
        backoffMs: 1,
        sleep: async (ms) => {
          sleeps.push(ms);
        },
      },
      pollMs: 1,
      ipWaitMs: 2_000,
      terminateWaitMs: 2_000,
      ...change,
    });
  }

  const spec = (change: Parameters<typeof machineSpec>[1] = {}) =>
    machineSpec("aws", { sshCIDRs: ["203.0.113.7/32"], ...change });

  return { fake, sleeps, provider, spec };
}
