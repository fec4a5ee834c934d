import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { allowedEnv, buildRemoteCommand, looksLikeScript } from "../../../src/cli/run/remote-command";

/** Runs a built command with the local /bin/sh, as the machine's login shell would. */
function runLocally(command: string): string {
  return execFileSync("/bin/sh", ["-c", command], { encoding: "utf8" });
}

describe("remote command building", () => {
  const workdir = mkdtempSync(join(tmpdir(), "crabbox work dir '"));

  it("runs argv words verbatim in the workdir: no globbing, expansion or splitting", () => {
    const command = buildRemoteCommand({
      workdir,
      argv: ["printf", "%s|", "a b", "$HOME", "*", "it's", "`id`", "ü"],
      shell: false,
      env: {},
      target: "linux",
    });
    expect(runLocally(command)).toBe("a b|$HOME|*|it's|`id`|ü|");
    expect(
      runLocally(
        buildRemoteCommand({ workdir, argv: ["pwd"], shell: false, env: {}, target: "linux" }),
      ).trim(),
    ).toBe(workdir);
  });

  it("exports forwarded variables with their values quoted", () => {
    const command = buildRemoteCommand({
      workdir,
      argv: ["sh", "-c", 'printf "%s" "$NODE_OPTIONS"'],
      shell: false,
      env: { NODE_OPTIONS: "--max-old-space-size=4096 '$(rm -rf /)'" },
      target: "linux",
    });
    expect(runLocally(command)).toBe("--max-old-space-size=4096 '$(rm -rf /)'");
  });

  it("runs --shell words and a single quoted string as a script", () => {
    expect(looksLikeScript(["pnpm test && pnpm lint"])).toBe(true);
    expect(looksLikeScript(["pnpm"])).toBe(false);
    expect(looksLikeScript(["pnpm", "test"])).toBe(false);
    expect(
      runLocally(
        buildRemoteCommand({ workdir, argv: ["echo a && echo b"], shell: false, env: {}, target: "linux" }),
      ),
    ).toBe("a\nb\n");
    expect(
      runLocally(
        buildRemoteCommand({
          workdir,
          argv: ["echo", "x", "|", "tr", "x", "y"],
          shell: true,
          env: {},
          target: "linux",
        }),
      ),
    ).toBe("y\n");
  });

  it("fails instead of running elsewhere when the workdir is missing", () => {
    const command = buildRemoteCommand({
      workdir: join(workdir, "nope"),
      argv: ["true"],
      shell: false,
      env: {},
      target: "linux",
    });
    expect(() => execFileSync("/bin/sh", ["-c", command], { stdio: "ignore" })).toThrow();
  });

  it("wraps Windows commands as encoded PowerShell with quoted words", () => {
    const command = buildRemoteCommand({
      workdir: "C:\\crabbox\\x",
      argv: ["npm", "it's"],
      shell: false,
      env: { CI: "1" },
      target: "windows",
    });
    expect(command).toMatch(/^powershell\.exe .*-EncodedCommand /);
    const script = Buffer.from(command.split(" ").at(-1)!, "base64").toString("utf16le");
    expect(script).toContain("Set-Location -LiteralPath 'C:\\crabbox\\x'");
    expect(script).toContain("$env:CI = '1'");
    expect(script).toContain("& 'npm' 'it''s'");
  });

  it("forwards only allowlisted variables (exact names and prefix*)", () => {
    expect(
      allowedEnv(["CI", "NODE_*"], {
        CI: "1",
        NODE_ENV: "test",
        NODE_OPTIONS: "x",
        SECRET: "no",
        CIRCLE: "no",
      }),
    ).toEqual({
      CI: "1",
      NODE_ENV: "test",
      NODE_OPTIONS: "x",
    });
  });
});
