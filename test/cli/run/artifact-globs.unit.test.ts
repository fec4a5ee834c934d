import { describe, expect, it } from "vitest";
import { artifactMatcher, normaliseArtifactGlob, searchRoot } from "../../../src/cli/run/artifact-globs";
import { listCommand } from "../../../src/cli/run/artifacts";

describe("artifact globs", () => {
  it("match within a segment with * and across segments with **", () => {
    const logs = artifactMatcher("logs/*.log");
    expect(logs("logs/run.log")).toBe(true);
    expect(logs("logs/deep/run.log")).toBe(false);
    const tree = artifactMatcher("out/**");
    expect(tree("out/a.txt")).toBe(true);
    expect(tree("out/sub dir/深い.json")).toBe(true);
    expect(tree("outside.txt")).toBe(false);
    const xml = artifactMatcher("**/TEST-*.xml");
    expect(xml("TEST-a.xml")).toBe(true);
    expect(xml("a/b/TEST-b.xml")).toBe(true);
    expect(xml("a/b/junit.xml")).toBe(false);
  });

  it("search only under the literal prefix, and only as deep as the glob reaches", () => {
    expect(searchRoot("out/**")).toEqual({ base: "out" });
    expect(searchRoot("logs/*.log")).toEqual({ base: "logs", maxDepth: 1 });
    expect(searchRoot("*.log")).toEqual({ base: ".", maxDepth: 1 });
    expect(searchRoot("out/report.txt")).toEqual({ base: "out/report.txt", maxDepth: 0 });
    expect(listCommand("/work/r", ["logs/*.log"])).toBe(
      "cd /work/r || exit 3; if [ -e logs ]; then find logs -maxdepth 1 \\( -name .git -o -name .crabbox -o -name node_modules \\) -prune -o -type f -print0; fi",
    );
  });

  it("refuse globs that leave the checkout, start like a flag or hold shell syntax, naming the flag", () => {
    expect(normaliseArtifactGlob("--artifact", "./out/*.txt")).toBe("out/*.txt");
    for (const bad of ["", "/etc/passwd", "../x", "a/../../b", "-rf", "a b", "$(id)", "a;b", "x//y"]) {
      expect(() => normaliseArtifactGlob("--require-artifact", bad)).toThrowError(/--require-artifact/);
    }
  });
});
