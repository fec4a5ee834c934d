import { CrabboxError } from "../../errors";
import {
  powershellEncodedCommand,
  powershellQuote,
  powershellQuoteWord,
  shellEnvPrefix,
  shellQuote,
  shellQuoteWord,
} from "../ssh/quote";
import { CLEAN_MARKER_RESET } from "../sync/remote-posix";

/**
 * Local environment variables forwarded to the remote command: exact names, or a prefix
 * ending in `*`. Nothing else leaves the laptop.
 */
export function allowedEnv(
  allow: readonly string[],
  env: Record<string, string | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    const allowed = allow.some((pattern) =>
      pattern.endsWith("*") ? name.startsWith(pattern.slice(0, -1)) : name === pattern,
    );
    if (allowed) out[name] = value;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

export interface RemoteCommandInput {
  workdir: string;
  argv: readonly string[];
  /** Run `argv` joined by spaces as a shell script instead of as an argv. */
  shell: boolean;
  env: Record<string, string>;
  target: string;
}

/**
 * A single word that holds spaces or shell syntax is a script the user typed in quotes
 * (`crabbox run -- "pnpm test && pnpm lint"`): it runs verbatim, as the reference's later
 * versions do, instead of being quoted into one odd command name.
 */
export function looksLikeScript(argv: readonly string[]): boolean {
  return argv.length === 1 && /[\s&|;<>*$`()\\]/.test(argv[0]!);
}

/** The command line sent over SSH: enter the workdir, export the env, run. */
export function buildRemoteCommand(input: RemoteCommandInput): string {
  if (input.argv.length === 0)
    throw new CrabboxError("usage", "no command given: crabbox run [flags] -- <command…>");
  const script = input.shell || looksLikeScript(input.argv);
  if (input.target === "windows") {
    const lines = [
      "$ErrorActionPreference = 'Stop'",
      `Set-Location -LiteralPath ${powershellQuoteWord(input.workdir)}`,
      ...Object.entries(input.env).map(([k, v]) => `$env:${k} = ${powershellQuoteWord(v)}`),
      "$ErrorActionPreference = 'Continue'",
      script ? input.argv.join(" ") : powershellQuote(input.argv),
      "if ($null -ne $global:LASTEXITCODE) { exit $global:LASTEXITCODE }",
      "if (-not $?) { exit 1 }",
    ];
    return powershellEncodedCommand(lines.join("\n"));
  }
  // The command may change synced files: it clears the sync's clean marker first, so the next
  // sync walks the tree for drift (docs/sync.md).
  const prefix = `cd ${shellQuoteWord(input.workdir)} || exit 1; ${CLEAN_MARKER_RESET} ${shellEnvPrefix(input.env)}`;
  return script ? `${prefix}${input.argv.join(" ")}` : `${prefix}exec ${shellQuote(input.argv)}`;
}
