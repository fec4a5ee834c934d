/**
 * The remote halves of `crabbox cp`, one SSH call each, over the same tar path as sync
 * (docs/sync.md): POSIX `sh` + `tar` on Linux, macOS and WSL2, PowerShell + the `tar.exe`
 * (bsdtar) that ships with Windows on native Windows. A download first writes one header line
 * (`crabbox-cp dir` or `crabbox-cp file`) so the local side knows how to lay the entries out.
 */
import { posix, win32 } from "node:path";
import { powershellEncodedCommand, powershellQuoteWord as pq, shellQuoteWord as sq } from "../ssh/quote";

export type RemoteOs = "posix" | "windows";

export const CP_HEADER = "crabbox-cp";
/** Exit status of a download whose source does not exist on the machine. */
export const CP_MISSING_EXIT = 44;

/** A remote path as given (relative to the lease's workdir for this checkout, or absolute). */
export function resolveRemote(os: RemoteOs, workdir: string, path: string): string {
  if (os === "windows") {
    const p = path.replaceAll("/", "\\");
    if (win32.isAbsolute(p)) return win32.normalize(p);
    return win32.join(workdir, p);
  }
  if (path.startsWith("/")) return posix.normalize(path);
  return posix.join(workdir, path);
}

export function remoteDirname(os: RemoteOs, path: string): string {
  return os === "windows" ? win32.dirname(path) : posix.dirname(path);
}

export function remoteBasename(os: RemoteOs, path: string): string {
  return os === "windows" ? win32.basename(path) : posix.basename(path);
}

/** Extracts the tar on stdin into `dir`, creating it. */
export function uploadCommand(os: RemoteOs, dir: string): string {
  if (os === "windows") {
    return powershellEncodedCommand(
      [
        "$ErrorActionPreference = 'Stop'",
        `New-Item -ItemType Directory -Force -Path ${pq(dir)} | Out-Null`,
        `tar.exe -xf - -C ${pq(dir)}`,
        "exit $LASTEXITCODE",
      ].join("\n"),
    );
  }
  return `mkdir -p ${sq(dir)} && tar -xf - -C ${sq(dir)}`;
}

/** Writes the header line, then a tar of the directory's contents or of the one file. */
export function downloadCommand(os: RemoteOs, path: string): string {
  if (os === "windows") {
    const header = (kind: string) =>
      `$crabboxOut.Write([Text.Encoding]::ASCII.GetBytes("${CP_HEADER} ${kind}\`n"), 0, ${CP_HEADER.length + kind.length + 2}); $crabboxOut.Flush()`;
    return powershellEncodedCommand(
      [
        "$crabboxOut = [Console]::OpenStandardOutput()",
        `$crabboxPath = ${pq(path)}`,
        "if (Test-Path -LiteralPath $crabboxPath -PathType Container) {",
        `  ${header("dir")}`,
        "  tar.exe -cf - -C $crabboxPath .",
        "} elseif (Test-Path -LiteralPath $crabboxPath -PathType Leaf) {",
        `  ${header("file")}`,
        "  tar.exe -cf - -C (Split-Path -Parent $crabboxPath) (Split-Path -Leaf $crabboxPath)",
        "} else {",
        '  [Console]::Error.WriteLine("no such file or directory on the machine: $crabboxPath")',
        `  exit ${CP_MISSING_EXIT}`,
        "}",
        "exit $LASTEXITCODE",
      ].join("\n"),
    );
  }
  const p = sq(path);
  return [
    `if [ -d ${p} ]; then printf '${CP_HEADER} dir\\n'; cd ${p} && exec tar -cf - .`,
    `elif [ -f ${p} ]; then printf '${CP_HEADER} file\\n'; cd ${sq(posix.dirname(path))} && exec tar -cf - ${sq(`./${posix.basename(path)}`)}`,
    `else printf 'no such file or directory on the machine: %s\\n' ${p} >&2; exit ${CP_MISSING_EXIT}; fi`,
  ].join("; ");
}
