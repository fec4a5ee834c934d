import { CrabboxError } from "../../errors";
import type { ResolvedConfig } from "../config";
import { assertJUnitGlobs } from "../run/results";

/**
 * `--env NAME` / `--env PREFIX_*` of the commands that run something (run, watch, shard): each
 * checked, then added to `env.allow`. Only names travel; values are read from this environment
 * when the command starts (docs/cli.md, "Environment forwarding").
 */
export function forwardEnvNames(config: ResolvedConfig, names: readonly string[]): void {
  for (const name of names) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*\*?$/.test(name))
      throw new CrabboxError(
        "usage",
        `--env "${name}" must be a variable name or a PREFIX_* pattern (values are read from this environment)`,
        { field: "env" },
      );
  }
  if (names.length) config.env.allow = [...new Set([...config.env.allow, ...names])];
}

/** The JUnit globs of `--junit a,b`, or the config's `results.junit`, checked. */
export function junitGlobs(flag: string | undefined, config: ResolvedConfig): string[] {
  const globs =
    flag !== undefined
      ? flag
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean)
      : [...config.results.junit];
  assertJUnitGlobs(globs);
  return globs;
}
