import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { planJob } from "../../../src/cli/jobs/job-plan";
import { releasesLease } from "../../../src/cli/jobs/stop-policy";
import { runCli, sandbox, write } from "../support";

const jobs = `jobs:
  unit:
    description: fast tests
    class: standard
    ttl: 45m
    env: { allow: [NPM_TOKEN, TEST_*] }
    setup: npm ci
    command: npm test -- --reporter junit
    junit: [reports/*.xml]
    artifactGlobs: [coverage/**]
    stop: failure
  lint:
    command: [npx, biome, check, .]
`;

describe("jobs in .crabbox.yaml", () => {
  it("lists the configured jobs, sorted, and as JSON", async () => {
    const s = sandbox();
    write(join(s.cwd, ".crabbox.yaml"), jobs);
    const listed = await runCli(["job", "--list"], { env: s.env, cwd: s.cwd });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout.split("\n")).toEqual([
      "lint  class=- stop=auto  npx biome check .",
      "unit  class=standard stop=failure  npm test -- --reporter junit  # fast tests",
      "",
    ]);
    const json = JSON.parse((await runCli(["job", "--list", "--json"], { env: s.env, cwd: s.cwd })).stdout);
    expect(json.jobs.map((j: { name: string }) => j.name)).toEqual(["lint", "unit"]);
    expect(json.jobs[1]).toMatchObject({
      name: "unit",
      setup: "npm ci",
      env: { allow: ["NPM_TOKEN", "TEST_*"] },
    });
    const bare = await runCli(["job"], { env: s.env, cwd: s.cwd });
    expect(bare.stdout).toBe(listed.stdout);
  });

  it("says when no job is configured, and which ones are when the name is unknown", async () => {
    const s = sandbox();
    const none = await runCli(["job", "--list"], { env: s.env, cwd: s.cwd });
    expect(none.stdout).toContain("no jobs configured: add a jobs: section to .crabbox.yaml");
    write(join(s.cwd, ".crabbox.yaml"), jobs);
    const unknown = await runCli(["job", "e2e"], { env: s.env, cwd: s.cwd });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      'job "e2e" is not configured; configured jobs: lint, unit (crabbox job --list)',
    );
  });

  it.each([
    ["a misspelt field", "  unit:\n    command: x\n    clas: big\n", "jobs.unit: unknown key clas"],
    ["a job without a command", "  unit:\n    class: big\n", "jobs.unit.command:"],
    ["a wrong type", "  unit:\n    command: x\n    junit: reports.xml\n", "jobs.unit.junit:"],
    ["an unknown stop policy", "  unit:\n    command: x\n    stop: sometimes\n", "jobs.unit.stop:"],
  ])(
    "refuses %s with an error naming the job and the field, before leasing",
    async (_what, body, message) => {
      const s = sandbox();
      write(join(s.cwd, ".crabbox.yaml"), `jobs:\n${body}`);
      const r = await runCli(["job", "--list"], { env: s.env, cwd: s.cwd });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stderr).not.toMatch(/leasing/);
    },
  );

  it.each([
    ["ttl: soon", 'jobs.unit.ttl: "soon" is not a duration'],
    ["target: amiga", 'jobs.unit.target: "amiga" is not one of linux, windows, macos'],
    ["env: { allow: [A=B] }", 'jobs.unit.env.allow: "A=B" must be a variable name'],
    ["junit: [../up.xml]", 'jobs.unit.junit "../up.xml" must be a relative glob'],
    ["artifactGlobs: [/etc/*]", 'jobs.unit.artifactGlobs "/etc/*" must be a path relative to the checkout'],
  ])("names the job when its value is refused (%s)", async (line, message) => {
    const s = sandbox();
    write(join(s.cwd, ".crabbox.yaml"), `jobs:\n  unit:\n    command: x\n    ${line}\n`);
    const r = await runCli(["job", "unit"], { env: s.env, cwd: s.cwd });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it("turns a job into a config layer under the flags and run options", () => {
    const plan = planJob(
      "unit",
      {
        command: "npm test",
        class: "standard",
        type: "cx22",
        ttl: "45m",
        env: { allow: ["TEST_*"] },
        setup: ["npm", "ci"],
      },
      ["CI"],
    );
    expect(plan.layer).toEqual({
      class: "standard",
      serverType: "cx22",
      ttl: "45m",
      env: { allow: ["CI", "TEST_*"] },
    });
    expect(plan.command).toEqual({ argv: ["npm test"], shell: true });
    expect(plan.setup).toEqual({ argv: ["npm", "ci"], shell: false });
    expect(plan.stop).toBe("auto");
  });

  it("releases the lease as the stop policy says", () => {
    const cases = [
      ["auto", true, true, true],
      ["auto", false, true, false],
      ["always", false, false, true],
      ["never", true, false, false],
      ["success", true, true, true],
      ["success", true, false, false],
      ["failure", true, false, true],
      ["failure", true, true, false],
    ] as const;
    for (const [policy, created, succeeded, expected] of cases)
      expect(releasesLease(policy, { created, succeeded }), `${policy} ${created} ${succeeded}`).toBe(
        expected,
      );
  });
});
