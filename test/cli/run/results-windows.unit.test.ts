import { pack as tarPack } from "tar-stream";
import { describe, expect, it } from "vitest";
import { collectJUnit } from "../../../src/cli/run/results";
import type { ExecOptions, SshSession } from "../../../src/cli/ssh/connect";

const decode = (command: string) =>
  Buffer.from(command.split(" ").at(-1) ?? "", "base64").toString("utf16le");

/**
 * A native Windows machine holding `files`: it answers the artifact listing with their names
 * and the staged tar with the ones asked for on stdin; any POSIX script is refused.
 */
function windowsMachine(files: Record<string, string>) {
  const scripts: string[] = [];
  const session = {
    async exec(command: string, options: ExecOptions = {}) {
      expect(command).toMatch(/^powershell\.exe .* -EncodedCommand \S+$/);
      const script = decode(command);
      scripts.push(script);
      if (script.includes("Find-CrabboxRoot")) {
        options.onStdout?.(
          Buffer.from(
            Object.keys(files)
              .map((name) => `./${name}\0`)
              .join(""),
          ),
        );
        return { exitCode: 0 };
      }
      const asked = (options.stdin as Buffer).toString("utf8").split("\0").filter(Boolean);
      const tar = tarPack();
      for (const name of asked) tar.entry({ name }, files[name.replace(/^\.\//, "")] ?? "");
      tar.finalize();
      for await (const chunk of tar as AsyncIterable<Buffer>) options.stdout!.write(chunk);
      return { exitCode: 0 };
    },
  } as unknown as SshSession;
  return { session, scripts };
}

const suite = (name: string, failed = false) =>
  `<testsuite name="${name}"><testcase name="a"/><testcase name="b">${failed ? '<failure message="red"/>' : ""}</testcase></testsuite>`;

describe("JUnit reports on a native Windows machine", () => {
  it("are read through the artifact scripts and parsed as on POSIX, a report that is not JUnit named", async () => {
    const { session, scripts } = windowsMachine({
      "reports/unit.xml": suite("unit", true),
      "reports/web.xml": suite("web"),
      "reports/notes.xml": "<html/>",
      "other/elsewhere.xml": suite("elsewhere"),
    });
    const warnings: string[] = [];
    const summary = await collectJUnit(session, "C:\\w\\repo", ["reports/*.xml"], {
      os: "windows",
      warn: (m) => warnings.push(m),
    });
    expect(scripts).toHaveLength(2);
    expect(scripts[0]).toContain("Find-CrabboxRoot 'reports' 1");
    expect(summary).toMatchObject({ tests: 4, failures: 1, errors: 0, suites: 2 });
    expect(summary?.files.sort()).toEqual(["reports/unit.xml", "reports/web.xml"]);
    expect(summary?.failed).toEqual([expect.objectContaining({ suite: "unit", name: "b", message: "red" })]);
    expect(warnings).toEqual(["test results: reports/notes.xml is not a JUnit report; skipped"]);
  });

  it("keep the report bounds: past 50 reports the rest are named and skipped", async () => {
    const files = Object.fromEntries(
      Array.from({ length: 52 }, (_, i) => [`r/${String(i).padStart(2, "0")}.xml`, suite(`s${i}`)]),
    );
    const warnings: string[] = [];
    const summary = await collectJUnit(windowsMachine(files).session, "C:\\w", ["r/*.xml"], {
      os: "windows",
      warn: (m) => warnings.push(m),
    });
    expect(summary?.files).toHaveLength(50);
    expect(summary?.tests).toBe(100);
    expect(warnings).toEqual([
      "test results: skipped r/50.xml (more than 50 reports)",
      "test results: skipped r/51.xml (more than 50 reports)",
    ]);
  });

  it("skip auto mode, whose find does not run there, and read nothing without globs", async () => {
    const { session, scripts } = windowsMachine({ "junit.xml": suite("x") });
    expect(await collectJUnit(session, "C:\\w", [], { os: "windows", auto: true })).toBeUndefined();
    expect(scripts).toEqual([]);
  });
});
