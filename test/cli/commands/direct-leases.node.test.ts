import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type DirectLeaseRecord, writeDirectRecord } from "../../../src/cli/direct/records";
import { ensureLeaseKey } from "../../../src/cli/keys/store";
import { slugForLeaseId } from "../../../src/domain/ids";
import { freePort } from "../../support/free-port";
import { localCloudMachine } from "../direct/local-machine";
import { closeCoordinators, coordinator, json, leaseJson, runCli, sandbox } from "../support";

afterEach(closeCoordinators);

const hetznerID = "cbx_0000000000a1";
const awsID = "cbx_0000000000b2";

/** A sandbox whose state dir holds direct-lease records, as `run --keep` leaves them. */
function withRecords(...records: DirectLeaseRecord[]) {
  const s = sandbox();
  const env = { ...s.env, CRABBOX_STATE_DIR: join(s.root, "state") };
  for (const record of records) writeDirectRecord(env, record);
  return { ...s, env };
}

function directRecord(leaseID: string, overrides: Partial<DirectLeaseRecord> = {}): DirectLeaseRecord {
  const now = Math.floor(Date.now() / 1000);
  return {
    leaseID,
    slug: slugForLeaseId(leaseID),
    provider: "hetzner",
    cloudID: "4711",
    name: `crabbox-${slugForLeaseId(leaseID)}-0badcafe`,
    serverType: "cx22",
    host: "127.0.0.1",
    sshUser: "crabbox",
    sshPort: 9,
    sshFallbackPorts: [],
    workRoot: "/work/crabbox",
    target: "linux",
    keep: true,
    labels: {
      lease: leaseID,
      direct: "true",
      state: "ready",
      created_at: String(now - 60),
      last_touched_at: String(now - 30),
      ttl_secs: "5400",
      idle_timeout_secs: "1800",
      expires_at: String(now + 1770),
    },
    createdAt: new Date((now - 60) * 1000).toISOString(),
    ...overrides,
  };
}

const expiresIso = (record: DirectLeaseRecord) =>
  new Date(Number(record.labels.expires_at) * 1000).toISOString();

/** A coordinator that lists `leases` and answers nothing else. */
async function listingCoordinator(leases: unknown[]) {
  return coordinator((req, _body, res) =>
    req.url?.startsWith("/v1/leases?")
      ? json(res, 200, { leases })
      : json(res, 404, { error: "not_found", message: "no such lease" }),
  );
}

const brokered = (env: Record<string, string>, url: string) => ({
  ...env,
  CRABBOX_COORDINATOR: url,
  CRABBOX_COORDINATOR_TOKEN: "t",
});

describe("crabbox list with direct leases", () => {
  it("lists this computer's direct leases without a coordinator, marked direct, with host, state and expiry", async () => {
    const hetzner = directRecord(hetznerID);
    const aws = directRecord(awsID, { provider: "aws", serverType: "t3.small", host: "127.0.0.2" });
    const s = withRecords(hetzner, aws);
    const r = await runCli(["list"], s);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      new RegExp(
        `^${hetznerID} slug=${hetzner.slug} provider=hetzner state=ready type=cx22 host=127.0.0.1 direct=true idle_for=\\S+ idle_timeout=30m0s expires=${expiresIso(hetzner)}$`,
      ),
    );
    expect(lines[1]).toMatch(
      new RegExp(
        `^${awsID} slug=${aws.slug} provider=aws state=ready type=t3.small host=127.0.0.2 direct=true `,
      ),
    );
  });

  it("shows a direct lease whose labels have expired as expired, since its machine may still be running", async () => {
    const past = String(Math.floor(Date.now() / 1000) - 10);
    const record = directRecord(hetznerID);
    const s = withRecords({ ...record, labels: { ...record.labels, expires_at: past } });
    const r = await runCli(["list"], s);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^${hetznerID} .*state=expired .*direct=true`));
  });

  it("says there is nothing to list, and exits 0, without a coordinator or direct leases", async () => {
    const r = await runCli(["list"], withRecords());
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/no direct leases on this computer, and no coordinator configured/);
  });

  it("prints the coordinator's active leases and then the direct leases", async () => {
    const s = withRecords(directRecord(hetznerID));
    const c = await listingCoordinator([
      leaseJson("cbx_00000000c0d1", { slug: "amber-crab" }),
      leaseJson("cbx_00000000c0d2", { slug: "jade-krill", state: "released", host: undefined }),
    ]);
    const r = await runCli(["list"], { ...s, env: brokered(s.env, c.url) });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^cbx_00000000c0d1 slug=amber-crab provider=local state=active /);
    expect(lines[0]).not.toContain("direct=");
    expect(lines[1]).toMatch(new RegExp(`^${hetznerID} .*direct=true`));
    expect(c.requests.map((q) => q.url)).toEqual(["/v1/leases?limit=500"]);

    const all = await runCli(["list", "--all"], { ...s, env: brokered(s.env, c.url) });
    expect(all.stdout).toContain("cbx_00000000c0d2 slug=jade-krill");
    expect(all.stdout).toContain(`${hetznerID} `);
  });

  it("filters the coordinator's and the direct leases by --provider", async () => {
    const s = withRecords(directRecord(hetznerID), directRecord(awsID, { provider: "aws" }));
    const c = await listingCoordinator([
      leaseJson("cbx_00000000c0d1", { provider: "local" }),
      leaseJson("cbx_00000000c0d3", { provider: "hetzner" }),
    ]);
    const r = await runCli(["list", "--provider", "hetzner"], { ...s, env: brokered(s.env, c.url) });
    expect(r.code, r.stderr).toBe(0);
    expect(
      r.stdout
        .trim()
        .split("\n")
        .map((l) => l.split(" ")[0]),
    ).toEqual(["cbx_00000000c0d3", hetznerID]);

    const direct = await runCli(["list", "--provider", "aws", "--json"], s);
    expect(JSON.parse(direct.stdout).direct.map((d: { id: string }) => d.id)).toEqual([awsID]);
  });

  it("--json keeps the coordinator's leases under leases and adds the direct leases under direct, without key material", async () => {
    const record = directRecord(hetznerID);
    const s = withRecords(record);
    const key = ensureLeaseKey(s.env, hetznerID);
    const c = await listingCoordinator([leaseJson("cbx_00000000c0d1")]);
    const r = await runCli(["list", "--json"], { ...s, env: brokered(s.env, c.url) });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc).sort()).toEqual(["direct", "leases"]);
    expect(doc.leases.map((l: { id: string }) => l.id)).toEqual(["cbx_00000000c0d1"]);
    // The record's own fields, less its labels, plus what the labels say; nothing else.
    const { leaseID, labels: _labels, ...shown } = record;
    expect(doc.direct).toEqual([
      {
        ...shown,
        id: leaseID,
        direct: true,
        state: "ready",
        lastTouchedAt: new Date(Number(record.labels.last_touched_at) * 1000).toISOString(),
        ttlSeconds: 5400,
        idleTimeoutSeconds: 1800,
        expiresAt: expiresIso(record),
      },
    ]);
    expect(r.stdout).not.toContain("PRIVATE KEY");
    expect(r.stdout).not.toContain(key.dir);

    const alone = await runCli(["list", "--json"], s);
    expect(JSON.parse(alone.stdout)).toEqual({ leases: [], direct: doc.direct });
  });

  it("still prints the direct leases when the coordinator fails, and exits with the coordinator's error", async () => {
    const s = withRecords(directRecord(hetznerID));
    const c = await coordinator((_req, _body, res) =>
      json(res, 401, { error: "unauthorized", message: "nope" }),
    );
    const env = brokered(s.env, c.url);
    const r = await runCli(["list"], { ...s, env });
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(new RegExp(`^${hetznerID} .*direct=true`));
    expect(r.stderr).toContain("nope");

    const doc = await runCli(["list", "--json"], { ...s, env });
    expect(doc.code).toBe(3);
    expect(Object.keys(JSON.parse(doc.stdout))).toEqual(["direct"]);
  });
});

describe("crabbox status with direct leases", () => {
  it("answers a direct lease by slug from its record and probes SSH (ready=false when nothing listens)", async () => {
    const record = directRecord(hetznerID, { sshPort: await freePort() });
    const s = withRecords(record);
    ensureLeaseKey(s.env, hetznerID);
    const r = await runCli(["status", record.slug], s);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(
      new RegExp(
        `^${hetznerID} slug=${record.slug} provider=hetzner state=ready type=cx22 host=127.0.0.1 direct=true ready=false has_host=true .*expires=${expiresIso(record)}$`,
      ),
    );
  }, 20_000);

  it("answers a direct lease by ID from its record even with a coordinator configured, which is never asked", async () => {
    const record = directRecord(hetznerID, { sshPort: await freePort() });
    const s = withRecords(record);
    ensureLeaseKey(s.env, hetznerID);
    const c = await listingCoordinator([]);
    const r = await runCli(["status", hetznerID, "--json"], { ...s, env: brokered(s.env, c.url) });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      id: hetznerID,
      slug: record.slug,
      direct: true,
      state: "ready",
      host: "127.0.0.1",
      hasHost: true,
      ready: false,
    });
    expect(c.requests).toEqual([]);
  }, 20_000);

  it("reports ready=true for a direct lease whose machine accepts its key and passes crabbox-ready, as one --wait --json document", async () => {
    const s = withRecords();
    const key = ensureLeaseKey(s.env, hetznerID);
    const machine = await localCloudMachine(() => key.publicKey);
    try {
      writeDirectRecord(s.env, directRecord(hetznerID, { sshPort: machine.port }));
      const r = await runCli(["status", hetznerID, "--wait", "--wait-timeout", "30s", "--json"], s);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ id: hetznerID, direct: true, ready: true });
    } finally {
      await machine.close();
    }
  }, 40_000);

  it("--wait keeps probing a direct lease, one line per look, until its machine comes up", async () => {
    const s = withRecords();
    const key = ensureLeaseKey(s.env, hetznerID);
    let up = false;
    // Up only after the first probe (4 s) has given up, so ready=true needs a second look.
    const timer = setTimeout(() => (up = true), 5000);
    const machine = await localCloudMachine(() => (up ? key.publicKey : undefined));
    try {
      writeDirectRecord(s.env, directRecord(hetznerID, { sshPort: machine.port }));
      const r = await runCli(["status", hetznerID, "--wait", "--wait-timeout", "30s"], s);
      expect(r.code, r.stderr).toBe(0);
      const lines = r.stdout.trim().split("\n");
      expect(lines.length).toBeGreaterThanOrEqual(2);
      expect(lines[0]).toMatch(new RegExp(`^${hetznerID} .*direct=true ready=false`));
      expect(lines.at(-1)).toMatch(new RegExp(`^${hetznerID} .*direct=true ready=true`));
    } finally {
      clearTimeout(timer);
      await machine.close();
    }
  }, 40_000);

  it("--wait on a direct lease whose machine never answers gives up with exit 5", async () => {
    const record = directRecord(hetznerID, { sshPort: await freePort() });
    const s = withRecords(record);
    ensureLeaseKey(s.env, hetznerID);
    const r = await runCli(["status", record.slug, "--wait", "--wait-timeout", "1s"], s);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`timed out waiting for ${hetznerID} to become ready`);
    expect(r.stdout).toMatch(/ready=false/);
  }, 20_000);

  it("gives a not-found error (exit 4) pointing at crabbox list for an unknown lease without a coordinator", async () => {
    const s = withRecords(directRecord(hetznerID));
    const r = await runCli(["status", "blue-lobster"], s);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/no direct lease "blue-lobster" on this computer.*`crabbox list`/);
  });

  it("asks the coordinator about a lease that is not a direct one", async () => {
    const s = withRecords(directRecord(hetznerID));
    const c = await coordinator((_req, _body, res) =>
      json(res, 200, { lease: leaseJson("cbx_00000000c0d1", { slug: "amber-crab", state: "released" }) }),
    );
    const r = await runCli(["status", "amber-crab"], { ...s, env: brokered(s.env, c.url) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^cbx_00000000c0d1 slug=amber-crab provider=local state=released .*ready=false/);
    expect(r.stdout).not.toContain("direct=");
    expect(c.requests.map((q) => q.url)).toEqual(["/v1/leases/amber-crab"]);
  });
});
