import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FakeHetzner } from "../../support/fake-hetzner";
import { runCli } from "../support";

const fake = new FakeHetzner();
let api: { url: string; close: () => Promise<void> };
let home: string;

beforeAll(async () => {
  api = await fake.listen();
  home = mkdtempSync(join(tmpdir(), "crabbox-doctor-"));
});
afterAll(() => api.close());
beforeEach(() => {
  fake.requests.length = 0;
});

function doctor(env: Record<string, string>) {
  return runCli(["doctor", "--provider", "hetzner"], {
    env: { HOME: home, CRABBOX_CONFIG: join(home, "config.yaml"), CRABBOX_HETZNER_API_URL: api.url, ...env },
    cwd: home,
  });
}

describe("crabbox doctor --provider hetzner against the fake API", () => {
  it("checks token, location, every class and list permissions with GET calls only", async () => {
    const r = await doctor({ HETZNER_TOKEN: fake.token });
    expect(r.stdout).toMatch(/ok +token +HETZNER_TOKEN is accepted/);
    expect(r.stdout).toMatch(/ok +location +fsn1/);
    for (const name of ["standard", "fast", "large", "beast"]) expect(r.stdout).toContain(`${name}: `);
    expect(r.stdout).toContain("servers can be listed");
    expect(r.stdout).toContain("ssh_keys can be listed");
    expect(fake.requests.length).toBeGreaterThan(5);
    expect(new Set(fake.requests.map((q) => q.method))).toEqual(new Set(["GET"]));
    expect(fake.inventory()).toEqual({ servers: [], keys: [] });
  });

  it("names HETZNER_TOKEN when the token is refused or missing", async () => {
    const refused = await doctor({ HETZNER_TOKEN: "wrong" });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/failed +token .*unauthorized.*set HETZNER_TOKEN/);
    const missing = await doctor({});
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/missing +hetzner +no token: set HETZNER_TOKEN/);
  });

  it("names CRABBOX_HETZNER_LOCATION for an unknown location and for a location without the classes' types", async () => {
    const unknown = await doctor({ HETZNER_TOKEN: fake.token, CRABBOX_HETZNER_LOCATION: "xyz9" });
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toMatch(/failed +location .*set CRABBOX_HETZNER_LOCATION to one of fsn1, nbg1/);
    // The fake prices its types in nbg1 and fsn1 only, so hel1 offers none of them.
    const bare = await doctor({ HETZNER_TOKEN: fake.token, CRABBOX_HETZNER_LOCATION: "hel1" });
    expect(bare.code).toBe(1);
    expect(bare.stdout).toMatch(
      /failed +class +standard: none of .* is offered in hel1; set CRABBOX_HETZNER_LOCATION/,
    );
    expect(new Set(fake.requests.map((q) => q.method))).toEqual(new Set(["GET"]));
  });
});
