/** The real HetznerProvider wired to the in-process Hetzner fake, with test-sized timings. */
import { HetznerProvider, type HetznerProviderOptions } from "../../src/providers/hetzner";
import type { FakeHetzner } from "./fake-hetzner";

export function hetznerOnFake(
  fake: FakeHetzner,
  options: Partial<HetznerProviderOptions> = {},
): HetznerProvider {
  return new HetznerProvider({
    token: fake.token,
    baseUrl: "http://hetzner.fake/v1",
    fetch: fake.fetch,
    retry: { timeoutMs: 2_000, maxRetries: 1, backoffMs: 1 },
    ipPollMs: 1,
    ...options,
  });
}
