import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useLocalStack } from "./local-stack-suite";

/** The audit export end to end: CLI `main` → Worker → Fleet DO in workerd, then the offline check. */
describe("crabbox admin export and verify-export against the local stack", () => {
  const local = useLocalStack({ cliEnv: { CI: "e2e" } });
  const cli = local.cli;

  it("exports a lease's whole life as NDJSON that verifies offline, and reports an edited event by line and seq", async () => {
    const warm = await cli("warmup", "--json");
    expect(warm.code, warm.stderr).toBe(0);
    const { slug } = JSON.parse(warm.stdout);
    expect((await cli("stop", slug)).code).toBe(0);

    const exported = await cli("admin", "export", "--since", "1970-01-01T00:00:00Z");
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stderr).toMatch(/exported \d+ events up to seq \d+, last hash [0-9a-f]{64}/);
    const file = join(local.repo.root, "log.ndjson");
    writeFileSync(file, exported.stdout);

    const ok = await cli("admin", "verify-export", "log.ndjson");
    expect(ok.code, ok.stdout).toBe(0);
    expect(ok.stdout).toMatch(/^ok: \d+ events, seq 1\.\.\d+, last hash [0-9a-f]{64}$/m);

    // An auditor's copy edited by hand: the Released event now claims another releaser.
    const lines = readFileSync(file, "utf8").split("\n");
    const at = lines.findIndex((l) => l.includes('"type":"Released"'));
    expect(at).toBeGreaterThan(0);
    const seq = JSON.parse(lines[at] ?? "{}").seq;
    lines[at] = (lines[at] ?? "").replace(/"releasedBy":"[^"]*"/, '"releasedBy":"mallory"');
    writeFileSync(file, lines.join("\n"));
    const bad = await cli("admin", "verify-export", "log.ndjson");
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(
      `line ${at + 1} (seq ${seq}): edited: event seq ${seq} does not match its hash`,
    );
  });
});
