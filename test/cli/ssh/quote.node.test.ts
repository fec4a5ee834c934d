import { execFileSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  powershellEncodedCommand,
  powershellQuote,
  shellEnvPrefix,
  shellQuote,
} from "../../../src/cli/ssh/quote";
import { isCrabboxError } from "../../../src/errors";

/** What a real POSIX sh makes of a quoted command line: the argv it would run. */
function argvSeenBySh(line: string): string[] {
  const out = execFileSync("/bin/sh", ["-c", `printf '%s\\0' ${line}`], { encoding: "utf8" });
  return out.split("\0").slice(0, -1);
}

describe("POSIX quoting", () => {
  it("gives sh back exactly the argv, for quotes, spaces, globs, dollars and unicode", () => {
    const argv = [
      "it's",
      "a b",
      "*",
      "$HOME",
      "`id`",
      "\\n",
      "ünï code",
      "",
      "--flag=x y",
      "a\nb",
      '"dq"',
      "!",
    ];
    expect(argvSeenBySh(shellQuote(argv))).toEqual(argv);
  });

  it("round-trips arbitrary strings through a real sh", () => {
    const word = fc.string({ unit: "grapheme", maxLength: 12 }).filter((s) => !s.includes("\0"));
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 5 }), (argv) => {
        expect(argvSeenBySh(shellQuote(argv))).toEqual(argv);
      }),
      { numRuns: 60 },
    );
  });

  it("leaves plain words bare so that command lines stay readable", () => {
    expect(shellQuote(["pnpm", "test", "--", "src/a.ts", "-k=v"])).toBe("pnpm test -- src/a.ts -k=v");
  });

  it("refuses a NUL byte, which no shell can carry", () => {
    expect(() => shellQuote(["a\0b"])).toThrowError(/NUL/);
  });

  it("exports environment variables with quoted values and rejects names that could inject code", () => {
    const line = shellEnvPrefix({ GREETING: "it's $x" });
    const out = execFileSync("/bin/sh", ["-c", `${line}printf %s "$GREETING"`], { encoding: "utf8" });
    expect(out).toBe("it's $x");
    try {
      shellEnvPrefix({ "A;rm -rf /": "x" });
      expect.unreachable();
    } catch (error) {
      expect(isCrabboxError(error) && error.details?.field).toBe("env");
    }
  });
});

describe("PowerShell quoting", () => {
  it("uses the call operator and doubles every kind of single quote", () => {
    expect(powershellQuote(["C:\\Program Files\\node.exe", "it's", "‘x’", "$env:PATH"])).toBe(
      "& 'C:\\Program Files\\node.exe' 'it''s' '‘‘x’’' '$env:PATH'",
    );
  });

  it("encodes scripts as UTF-16LE base64 with progress output silenced", () => {
    const command = powershellEncodedCommand("Write-Output 'ü'");
    const encoded = command.split(" ").at(-1) ?? "";
    expect(command.startsWith("powershell.exe -NoLogo -NoProfile -NonInteractive")).toBe(true);
    expect(Buffer.from(encoded, "base64").toString("utf16le")).toBe(
      "$ProgressPreference = 'SilentlyContinue'\nWrite-Output 'ü'",
    );
  });
});
