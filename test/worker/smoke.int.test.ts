import { exports } from "cloudflare:workers";
import { expect, it } from "vitest";

it("answers through the worker and the durable object", async () => {
  const res = await exports.default.fetch("http://x/");
  expect(await res.json()).toEqual({ n: 1 });
});
