/**
 * The remote halves of `crabbox cp`, one SSH call each, over the same tar path as sync
 * (docs/sync.md): POSIX `sh` + `tar` on Linux, macOS and WSL2, PowerShell + the `tar.exe`
 * (bsdtar) that ships with Windows on native Windows. A download first writes one header line
 * (`crabbox-cp dir` or `crabbox-cp file`) so the local side knows how to lay the entries out.
 * On Windows no path is ever an argument of `tar.exe`, which reads its arguments in the
 * machine's code page and would lose Unicode names: it runs inside the directory instead.
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
        `[IO.Directory]::CreateDirectory(${pq(dir)}) | Out-Null`,
        `Set-Location -LiteralPath ${pq(dir)}`,
        "tar.exe -xf -",
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
        "if ([IO.Directory]::Exists($crabboxPath)) {",
        `  ${header("dir")}`,
        "  Set-Location -LiteralPath $crabboxPath",
        "  tar.exe -cf - .",
        "  exit $LASTEXITCODE",
        "} elseif ([IO.File]::Exists($crabboxPath)) {",
        `  ${header("file")}`,
        // One file goes through a stage of its own, for the same reason as a directory's `.`.
        "  $crabboxStage = [IO.Path]::Combine([IO.Path]::GetTempPath(), 'crabbox-cp-' + [Guid]::NewGuid().ToString('N'))",
        "  [IO.Directory]::CreateDirectory($crabboxStage) | Out-Null",
        "  [IO.File]::Copy($crabboxPath, [IO.Path]::Combine($crabboxStage, [IO.Path]::GetFileName($crabboxPath)))",
        "  Set-Location -LiteralPath $crabboxStage",
        "  tar.exe -cf - .",
        "  $crabboxExit = $LASTEXITCODE",
        "  Set-Location -LiteralPath ([IO.Path]::GetTempPath())",
        "  [IO.Directory]::Delete($crabboxStage, $true)",
        "  exit $crabboxExit",
        "} else {",
        '  [Console]::Error.WriteLine("no such file or directory on the machine: $crabboxPath")',
        `  exit ${CP_MISSING_EXIT}`,
        "}",
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
