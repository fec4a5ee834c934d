/**
 * Artifact globs (`run --artifact`, `--require-artifact`, config `artifacts.*`): relative to
 * the run's workdir, `*` and `?` within one path segment, `**` across segments, `[...]`
 * classes. Validated before anything is leased, so a typo costs nothing (docs/cli.md
 * "Artifacts").
 */
import { CrabboxError } from "../../errors";
import { globToRegExp, hasGlob } from "../sync/glob";

const allowed = /^[A-Za-z0-9_./*?[\]@+=:,-]+$/;

/** The glob with a leading `./` dropped; a usage error naming the flag otherwise. */
export function normaliseArtifactGlob(flag: string, glob: string): string {
  const trimmed = glob.trim().replace(/^(\.\/)+/, "");
  const segments = trimmed.split("/");
  if (
    trimmed === "" ||
    trimmed.startsWith("-") ||
    trimmed.startsWith("/") ||
    !allowed.test(trimmed) ||
    segments.includes("..") ||
    segments.includes("")
  ) {
    throw new CrabboxError(
      "usage",
      `${flag} "${glob}" must be a path relative to the checkout, of letters, digits and _ . / * ? [ ] @ + = : , - (e.g. ${flag} 'reports/**/*.xml')`,
      { field: flag },
    );
  }
  return trimmed;
}

/** The directory to search (`.` or the glob's leading literal segments) and how deep. */
export function searchRoot(glob: string): { base: string; maxDepth?: number } {
  const segments = glob.split("/");
  const literal: string[] = [];
  for (const segment of segments) {
    if (hasGlob(segment)) break;
    literal.push(segment);
  }
  // A glob without wildcards names one file: its own path is where find starts.
  if (literal.length === segments.length) return { base: glob, maxDepth: 0 };
  const rest = segments.slice(literal.length);
  const base = literal.length ? literal.join("/") : ".";
  return rest.includes("**") ? { base } : { base, maxDepth: rest.length };
}

/** A matcher for `/`-separated relative paths. */
export function artifactMatcher(glob: string): (path: string) => boolean {
  const segments = glob.split("/");
  let source = "";
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (segment === "**") {
      source += last ? ".*" : "(?:[^/]+/)*";
      return;
    }
    source += globToRegExp(segment).source.slice(1, -1) + (last ? "" : "/");
  });
  const re = new RegExp(`^${source}$`, "s");
  return (path) => re.test(path);
}
