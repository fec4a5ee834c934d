/**
 * What the CLI adds to a failed coordinator call: the command or flag that fixes it
 * (docs/cli.md, "Exit codes"). The public client itself prints no CLI commands.
 */

import type { ErrorHint } from "../../client/errors";
import type { ErrorCode } from "../../errors";

const hints: Partial<Record<ErrorCode, string>> = {
  unauthorized: "run `crabbox login` (or `crabbox config set-broker --url <url> --token-stdin`)",
  forbidden: "this identity may not do that; ask the lease owner for a share or use an admin token",
  not_found: "check the ID or slug with `crabbox list --all` (a slug names only an active lease)",
  cost_limit_exceeded:
    "release idle leases (`crabbox list`, `crabbox stop <id>`) or ask an admin to raise the cap",
};

/** The coordinator names the classes its provider has when a lease asks for another one. */
function classHint(classes: unknown): string | undefined {
  if (!Array.isArray(classes) || !classes.every((c) => typeof c === "string")) return undefined;
  return `the provider's classes are ${classes.join(", ")}: pass \`--class <class>\` with one of them, or \`--type <server type>\` for a literal server type`;
}

const runNotFoundHint = "check the run ID with `crabbox history` (or `crabbox history --lease <id>`)";

export const cliErrorHint: ErrorHint = ({ code, path, body }) => {
  const fieldHint = body.field === "class" ? classHint(body.classes) : undefined;
  // A run is looked up by its ID, which `crabbox history` lists; leases by ID or slug.
  return fieldHint ?? (code === "not_found" && path.startsWith("/v1/runs") ? runNotFoundHint : hints[code]);
};
