import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pack as tarPack } from "tar-stream";
import { describe, expect, it } from "vitest";
import { windowsListCommand, windowsTarCommand } from "../../../src/cli/run/artifact-scripts-windows";
import { collectArtifacts } from "../../../src/cli/run/artifacts";
import type { ExecOptions, SshSession } from "../../../src/cli/ssh/connect";

function decode(command: string): string {
  expect(command).toMatch(
    /^powershell\.exe -NoLogo -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand \S+$/,
  );
  return Buffer.from(command.split(" ").at(-1) ?? "", "base64").toString("utf16le");
}

/** Each needle is in the script, after the one before it. */
function inOrder(script: string, needles: string[]) {
  let from = 0;
  for (const needle of needles) {
    const at = script.indexOf(needle, from);
    expect(at, `${needle} after offset ${from}`).toBeGreaterThanOrEqual(0);
    from = at + needle.length;
  }
}

describe("native Windows artifact scripts", () => {
  const workdir = "C:\\crabbox\\cbx_0123456789ab\\it's repo";

  it("list enters the workdir by literal path and walks each glob's root as deep as the glob reaches", () => {
    const script = decode(
      windowsListCommand(workdir, ["out/*.log", "reports/**/*.xml", "a b/ü.txt", "out/*.txt"]),
    );
    expect(script).toContain(
      "try { Set-Location -LiteralPath 'C:\\crabbox\\cbx_0123456789ab\\it''s repo' } catch { exit 3 }",
    );
    // one walk per root: out/ one level, reports/ unbounded, a literal file as itself
    expect(script.match(/^Find-CrabboxRoot .*$/gm)).toEqual([
      "Find-CrabboxRoot 'out' 1",
      "Find-CrabboxRoot 'reports' -1",
      "Find-CrabboxRoot 'a b\\ü.txt' 0",
    ]);
    expect(script).toContain("$crabboxSkip = @('.git', '.crabbox', 'node_modules')");
    expect(script).toContain("HasFlag([IO.FileAttributes]::ReparsePoint)) { continue }");
    // names leave as UTF-8 bytes, NUL-terminated and ./-prefixed, like find -print0 from the workdir
    expect(script).toContain('[Text.Encoding]::UTF8.GetBytes("./$rel" + [char]0)');
    expect(script).toContain("[Console]::OpenStandardOutput()");
    inOrder(script, [
      "function Find-CrabboxRoot",
      "Find-CrabboxRoot 'out' 1",
      "$crabboxOut.Flush()",
      "exit 0",
    ]);
  });

  it("tar reads the chosen names from stdin as UTF-8, stages them, lets tar.exe walk the stage, then removes it", () => {
    const script = decode(windowsTarCommand(workdir));
    inOrder(script, [
      "Set-Location -LiteralPath 'C:\\crabbox\\cbx_0123456789ab\\it''s repo'",
      "[IO.Directory]::Delete($crabboxStage, $true) }",
      "[Console]::OpenStandardInput().CopyTo($crabboxIn)",
      "[Text.Encoding]::UTF8.GetString($crabboxIn.ToArray()).Split([char]0)",
      "[IO.File]::Copy([IO.Path]::Combine($crabboxRoot, $rel), $to, $true)",
      "Set-Location -LiteralPath $crabboxStage",
      "tar.exe -cf - .",
      "$crabboxExit = $LASTEXITCODE",
      "Set-Location -LiteralPath $crabboxRoot",
      "[IO.Directory]::Delete($crabboxStage, $true)",
      "exit $crabboxExit",
    ]);
    expect(script).toContain("[IO.Path]::Combine($crabboxRoot, '.crabbox', 'artifacts-out')");
    // no name reaches tar.exe as a list or an argument: it would read them in the code page
    expect(script).not.toMatch(/-T -|--null|-C /);
  });
});

describe("collecting artifacts from a native Windows machine", () => {
  it("runs the PowerShell scripts, sends the chosen names on stdin and keeps the files tar.exe staged", async () => {
    const names = ["out/a b.log", "out/ünï.log"];
    const commands: string[] = [];
    let stdinNames: string[] = [];
    const session = {
      async exec(command: string, options: ExecOptions = {}) {
        commands.push(command);
        if (commands.length === 1) {
          options.onStdout?.(
            Buffer.from(["./out/a b.log", "./out/ünï.log", "./out/skip.txt", ""].join("\0")),
          );
          return { exitCode: 0 };
        }
        const stdin = options.stdin as Buffer;
        expect(Buffer.isBuffer(stdin)).toBe(true);
        stdinNames = stdin.toString("utf8").split("\0").filter(Boolean);
        // what `tar.exe -cf - -C <stage> .` writes: the stage's directories, then its files
        const tar = tarPack();
        tar.entry({ name: "./", type: "directory" });
        tar.entry({ name: "./out/", type: "directory" });
        for (const name of names) tar.entry({ name: `./${name}` }, `body of ${name}`);
        tar.finalize();
        for await (const chunk of tar as AsyncIterable<Buffer>) options.stdout!.write(chunk);
        return { exitCode: 0 };
      },
    } as unknown as SshSession;
    const dest = mkdtempSync(join(tmpdir(), "crabbox-win-artifacts-"));
    const got = await collectArtifacts(
      session,
      "C:\\crabbox\\cbx_1\\repo",
      { globs: ["out/*.log"], required: [], dest },
      "windows",
    );
    expect(commands.map(decode).map((s) => s.includes("Find-CrabboxRoot 'out' 1"))).toEqual([true, false]);
    expect(decode(commands[1]!)).toContain("tar.exe -cf - .");
    expect(stdinNames).toEqual(["./out/a b.log", "./out/ünï.log"]);
    const sha = (s: string) => createHash("sha256").update(s).digest("hex");
    expect(got.entries).toEqual(
      names.map((name) => ({
        path: name,
        bytes: Buffer.byteLength(`body of ${name}`),
        sha256: sha(`body of ${name}`),
      })),
    );
    expect(readFileSync(join(dest, "out/ünï.log"), "utf8")).toBe("body of out/ünï.log");
  });
});
