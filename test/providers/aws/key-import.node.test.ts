/**
 * Issue 15, AWS 3: the EC2 fake parses imported keys as ImportKeyPair does (RSA 1024/2048/4096
 * and ED25519 only, the blob must parse), and the provider turns EC2's InvalidKeyPair.Format
 * into a 4xx naming sshPublicKey, leaving nothing behind.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { CrabboxError } from "../../../src/errors";
import { AwsProvider } from "../../../src/providers/aws";
import { FakeEc2 } from "../../support/fake-ec2";
import { machineSpec, testPublicKey } from "../../support/machine-spec";
import { servedDuringFile } from "../../support/served-during-file";

const fake = new FakeEc2();
const server = servedDuringFile(fake);
afterEach(() => fake.reset());

const aws = () =>
  new AwsProvider({
    credentials: { accessKeyId: fake.accessKeyId, secretAccessKey: fake.secretAccessKey },
    endpoint: () => server.url,
    retry: { timeoutMs: 500, maxRetries: 1, backoffMs: 1, sleep: async () => {} },
    pollMs: 1,
    ipWaitMs: 2_000,
    terminateWaitMs: 2_000,
  });
const spec = (sshPublicKey: string) => machineSpec("aws", { sshCIDRs: ["203.0.113.7/32"], sshPublicKey });

const rsa2048 =
  "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDJ9+wCNOfBTiFCLesHZvwiyNeTSYJYJuXnd5Bj1DHpeuIhN1Q9C7fG4bibcB1xo0WzBCiUKHT/88Zpn7M8P97RUWh6l99J+smoOy5UFK7Rvc4eo7Zmu78rX4sYIt376w5Va1UYFDmaaCilPVtM3EEGvIX/G0zQd7uFEmEM8OgNdI11bV2IlyM6xkMYjG3hfZ4byPYlKMedEnQm4YhxGH9K3lFGIatA5N9OvOtCLTnIueEfgEulWI4YZCCIjkwUvyA1eJNUYQl8d+o8St+9dA82ajNikecRt3KedbST7FDuZM3W3AqVrMBEl/pSZN4uSipObmxUNfy94azmJNXC7qG5 rsa";
const ecdsa =
  "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBDcqBO4f76kk8y0WBBfn0BTSweSCv0BNEtlOm1G/wvQ9LpQdkwGzBbFwawgSAsFnb85pUs2tVe4B90xp4ktx11g= ec";
/** The fixture machine-spec.ts used to carry: an ed25519 header with 28 bytes where 32 belong. */
const truncated = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHc0bWlzc2luZ2tleW1hdGVyaWFsZm9ydGVzdHM lease-key";

describe("AWS key import", () => {
  it("imports the test fixture's ed25519 key and a 2048-bit RSA key", async () => {
    await aws().create(spec(testPublicKey));
    fake.reset();
    await aws().create(spec(rsa2048));
    expect(fake.inventory().keyPairs).toHaveLength(1);
  });

  for (const [what, key] of [
    ["a truncated ed25519 key", truncated],
    ["an ECDSA key, which EC2 does not import", ecdsa],
  ] as const) {
    it(`refuses ${what} as a bad sshPublicKey and leaves nothing behind`, async () => {
      const error = (await aws()
        .create(spec(key))
        .catch((e: unknown) => e)) as CrabboxError;
      expect(error.code).toBe("invalid_request");
      expect(error.details?.field).toBe("sshPublicKey");
      const answered = fake.requests.find((r) => r.action === "ImportKeyPair");
      expect(answered).toBeDefined();
      expect(fake.inventory()).toEqual({ instances: [], keyPairs: [], groups: [] });
    });
  }
});
