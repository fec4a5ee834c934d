import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bounds } from "../../src/api/bounds";
import { errorCodes } from "../../src/errors";

/**
 * docs/api.md lists every bound and every error code. The facts live once in the code
 * (src/api/bounds.ts, src/errors.ts); this test checks the document against them, both ways.
 */

const doc = readFileSync(join(__dirname, "..", "..", "docs", "api.md"), "utf8");

/** The table rows of one `## ` section: first backticked cell, then the other cells. */
function rows(heading: string): Map<string, string[]> {
  const start = doc.indexOf(`\n## ${heading}\n`);
  expect(start, `docs/api.md has a "## ${heading}" section`).toBeGreaterThan(-1);
  const end = doc.indexOf("\n## ", start + 1);
  const found = new Map<string, string[]>();
  for (const line of doc.slice(start, end === -1 ? undefined : end).split("\n")) {
    const match = /^\| `([a-zA-Z_]+)` \|(.*)\|$/.exec(line);
    if (match)
      found.set(
        match[1]!,
        match[2]!.split("|").map((cell) => cell.trim()),
      );
  }
  return found;
}

describe("docs/api.md", () => {
  it("lists every bound of src/api/bounds.ts with its value, and no other", () => {
    const listed = rows("Bounds");
    for (const [name, value] of Object.entries(bounds)) {
      expect(listed.get(name)?.[0], `bound ${name}`).toBe(String(value));
    }
    expect([...listed.keys()].sort()).toEqual(Object.keys(bounds).sort());
  });

  it("lists every error code of src/errors.ts with its HTTP status and exit code, and no other", () => {
    const listed = rows("Error codes");
    for (const [code, { http, exit }] of Object.entries(errorCodes)) {
      expect(listed.get(code)?.slice(0, 2), `error code ${code}`).toEqual([String(http), String(exit)]);
    }
    expect([...listed.keys()].sort()).toEqual(Object.keys(errorCodes).sort());
  });
});
