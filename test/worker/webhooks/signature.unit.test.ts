import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { newWebhookSecret, signWebhook } from "../../../src/worker/fleet/webhooks/signature";

describe("Standard Webhooks signatures", () => {
  it("match the specification's published example", async () => {
    // The example of the Standard Webhooks specification (its "Signature scheme" section).
    const signature = await signWebhook(
      "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      "msg_p5jXN8AQM9LWM0D4loKWxJek",
      1614265330,
      '{"test": 2432232314}',
    );
    expect(signature).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  });

  it("are an HMAC-SHA256 of id.timestamp.body under the secret's decoded key", async () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const key = Buffer.from(secret.slice("whsec_".length), "base64");
    expect(key).toHaveLength(32);
    const expected = createHmac("sha256", key).update("msg_1.1700000000.{}").digest("base64");
    expect(await signWebhook(secret, "msg_1", 1700000000, "{}")).toBe(`v1,${expected}`);
    expect(newWebhookSecret()).not.toBe(secret);
  });
});
