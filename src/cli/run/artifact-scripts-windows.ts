/**
 * The two artifact scripts on native Windows machines (docs/cli.md "Artifacts"), the
 * PowerShell halves of `listCommand` and `tarCommand`, speaking the same protocol: the listing
 * writes NUL-separated UTF-8 `./`-prefixed paths, and the copy reads the chosen ones back on
 * stdin and writes one tar. The walk uses .NET (wide-character names, no wildcard expansion,
 * reparse points never followed, `.git`, `.crabbox` and `node_modules` skipped). Windows'
 * `tar.exe` reads a `-T` list and its arguments in the machine's code page, so the chosen files
 * are first copied into `.crabbox\artifacts-out` and `tar.exe` archives `.` from inside it,
 * walking it itself, as `crabbox cp` does; the staging directory is removed afterwards.
 */
import { powershellEncodedCommand, powershellQuoteWord as pq } from "../ssh/quote";
import { searchRoot } from "./artifact-globs";

/** Enter the workdir (exit 3 when it is missing, as the POSIX scripts do) and name its root. */
const enterWorkdir = (workdir: string) => [
  "$ErrorActionPreference = 'Stop'",
  `try { Set-Location -LiteralPath ${pq(workdir)} } catch { exit 3 }`,
  "$crabboxRoot = $PWD.ProviderPath.TrimEnd('\\')",
];

export function windowsListCommand(workdir: string, globs: readonly string[]): string {
  const roots = [...new Set(globs.map((g) => JSON.stringify(searchRoot(g))))].map((key) => {
    const { base, maxDepth } = JSON.parse(key) as ReturnType<typeof searchRoot>;
    return `Find-CrabboxRoot ${pq(base.replaceAll("/", "\\"))} ${maxDepth ?? -1}`;
  });
  return powershellEncodedCommand(
    [
      ...enterWorkdir(workdir),
      "$crabboxOut = [Console]::OpenStandardOutput()",
      "$crabboxSkip = @('.git', '.crabbox', 'node_modules')",
      "function Send-CrabboxPath([string]$full) {",
      "  $rel = $full.Substring($crabboxRoot.Length + 1).Replace('\\', '/')",
      '  $bytes = [Text.Encoding]::UTF8.GetBytes("./$rel" + [char]0)',
      "  $crabboxOut.Write($bytes, 0, $bytes.Length)",
      "}",
      // $depth is the depth of the entries listed, as `find -maxdepth` counts it (base = 0).
      "function Find-CrabboxFiles([IO.DirectoryInfo]$dir, [int]$depth, [int]$maxDepth) {",
      "  foreach ($entry in $dir.EnumerateFileSystemInfos()) {",
      "    if ($entry.Attributes.HasFlag([IO.FileAttributes]::ReparsePoint)) { continue }",
      "    if ($entry -is [IO.DirectoryInfo]) {",
      "      if ($crabboxSkip -contains $entry.Name) { continue }",
      "      if ($maxDepth -lt 0 -or $depth -lt $maxDepth) { Find-CrabboxFiles $entry ($depth + 1) $maxDepth }",
      "    } else { Send-CrabboxPath $entry.FullName }",
      "  }",
      "}",
      "function Find-CrabboxRoot([string]$base, [int]$maxDepth) {",
      "  $full = [IO.Path]::GetFullPath([IO.Path]::Combine($crabboxRoot, $base))",
      "  if ([IO.File]::Exists($full)) {",
      "    $file = [IO.FileInfo]::new($full)",
      "    if (-not $file.Attributes.HasFlag([IO.FileAttributes]::ReparsePoint)) { Send-CrabboxPath $file.FullName }",
      "  } elseif ([IO.Directory]::Exists($full) -and $maxDepth -ne 0) {",
      "    $dir = [IO.DirectoryInfo]::new($full)",
      "    if (-not $dir.Attributes.HasFlag([IO.FileAttributes]::ReparsePoint)) { Find-CrabboxFiles $dir 1 $maxDepth }",
      "  }",
      "}",
      ...roots,
      "$crabboxOut.Flush()",
      "exit 0",
    ].join("\n"),
  );
}

export function windowsTarCommand(workdir: string): string {
  return powershellEncodedCommand(
    [
      ...enterWorkdir(workdir),
      "$crabboxStage = [IO.Path]::Combine($crabboxRoot, '.crabbox', 'artifacts-out')",
      "if ([IO.Directory]::Exists($crabboxStage)) { [IO.Directory]::Delete($crabboxStage, $true) }",
      "[IO.Directory]::CreateDirectory($crabboxStage) | Out-Null",
      "$crabboxIn = [IO.MemoryStream]::new()",
      "[Console]::OpenStandardInput().CopyTo($crabboxIn)",
      "foreach ($name in [Text.Encoding]::UTF8.GetString($crabboxIn.ToArray()).Split([char]0)) {",
      "  $rel = ($name -replace '^(\\./)+', '').Replace('/', '\\')",
      "  if ($rel -eq '') { continue }",
      "  $to = [IO.Path]::Combine($crabboxStage, $rel)",
      "  [IO.Directory]::CreateDirectory([IO.Path]::GetDirectoryName($to)) | Out-Null",
      "  [IO.File]::Copy([IO.Path]::Combine($crabboxRoot, $rel), $to, $true)",
      "}",
      "Set-Location -LiteralPath $crabboxStage",
      "tar.exe -cf - .",
      "$crabboxExit = $LASTEXITCODE",
      "Set-Location -LiteralPath $crabboxRoot",
      "[IO.Directory]::Delete($crabboxStage, $true)",
      "exit $crabboxExit",
    ].join("\n"),
  );
}
