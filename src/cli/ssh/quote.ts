/**
 * Quoting for the two remote shells Crabbox drives: POSIX `sh` (Linux, macOS, WSL) and
 * PowerShell (native Windows). Every word is quoted so that the remote shell sees exactly the
 * argv the user typed — no globbing, no expansion, no word splitting.
 */
import { CrabboxError } from "../../errors";

const POSIX_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One word for POSIX sh: bare when it cannot be misread, else single-quoted (`'` → `'\''`). */
export function shellQuoteWord(word: string): string {
  rejectNul(word);
  if (POSIX_SAFE.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** An argv as one POSIX sh command line. */
export function shellQuote(argv: readonly string[]): string {
  return argv.map(shellQuoteWord).join(" ");
}

// PowerShell treats the typographic single quotes as quote characters too; doubling each of
// them inside a single-quoted string is how PowerShell escapes them.
const POWERSHELL_QUOTES = /['\u2018\u2019\u201A\u201B]/g;

/** One word as a PowerShell single-quoted (verbatim) string. */
export function powershellQuoteWord(word: string): string {
  rejectNul(word);
  return `'${word.replace(POWERSHELL_QUOTES, (quote) => quote + quote)}'`;
}

/**
 * An argv as a PowerShell command invocation: `& 'exe' 'arg1' …`. The call operator makes
 * PowerShell run the first word as a command even though it is a string literal.
 */
export function powershellQuote(argv: readonly string[]): string {
  if (argv.length === 0) return "";
  return `& ${argv.map(powershellQuoteWord).join(" ")}`;
}

/**
 * A PowerShell script wrapped so that any remote shell (cmd.exe, the OpenSSH default on Windows,
 * or PowerShell itself) runs it unmodified: UTF-16LE base64 through `-EncodedCommand`. Progress
 * records are silenced so that they never show up as CLIXML noise in the streamed output.
 */
export function powershellEncodedCommand(script: string): string {
  const full = `$ProgressPreference = 'SilentlyContinue'\n${script}`;
  const encoded = Buffer.from(full, "utf16le").toString("base64");
  return `powershell.exe -NoLogo -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand ${encoded}`;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `export K='v' …; ` for POSIX sh; names are validated so that they can never inject code. */
export function shellEnvPrefix(env: Readonly<Record<string, string>> | undefined): string {
  const entries = Object.entries(env ?? {});
  if (entries.length === 0) return "";
  for (const [name] of entries) {
    if (!ENV_NAME.test(name)) {
      throw new CrabboxError(
        "invalid_request",
        `environment variable name ${JSON.stringify(name)} is not valid`,
        {
          field: "env",
        },
      );
    }
  }
  return `export ${entries.map(([name, value]) => `${name}=${shellQuoteWord(value)}`).join(" ")}; `;
}

function rejectNul(word: string): void {
  if (word.includes("\0")) {
    throw new CrabboxError(
      "invalid_request",
      "a command word contains a NUL byte, which no remote shell can pass on",
      {
        field: "command",
      },
    );
  }
}
