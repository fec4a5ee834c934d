/**
 * The remote half of a sync on native Windows machines: PowerShell plus the `tar.exe` (bsdtar)
 * that ships with Windows. Same protocol as POSIX — state file, one tar stream, atomic rename —
 * except that the deletion list travels inside the tar (Windows command lines are short) and
 * is applied after extraction, and there is no drift scan.
 */
import { powershellEncodedCommand, powershellQuoteWord as q } from "../ssh/quote";
import { STATE_DIR } from "./excludes";
import { STATE_HEADER, stateHeaderLine } from "./state";

export const WINDOWS_INCOMING_DELETIONS = `${STATE_DIR}/incoming/deletions`;

function writeText(expression: string): string {
  return `$crabboxOut.Write([Text.Encoding]::UTF8.GetBytes(${expression}), 0, [Text.Encoding]::UTF8.GetByteCount(${expression}))`;
}

export function windowsSnapshotCommand(workdir: string, knownFingerprint?: string): string {
  const stateFile = `${workdir}\\${STATE_DIR}\\manifest`;
  const script = [
    "$crabboxOut = [Console]::OpenStandardOutput()",
    `$crabboxState = ${q(stateFile)}`,
    "if (-not (Test-Path -LiteralPath $crabboxState -PathType Leaf)) {",
    `  ${writeText('"crabbox-sync none`n`0crabbox-drift`0"')}`,
    "  exit 0",
    "}",
    "$crabboxHead = [IO.File]::ReadLines($crabboxState) | Select-Object -First 1",
    "if ($null -eq $crabboxHead) { $crabboxHead = '' }",
    `$crabboxFp = $crabboxHead.Substring([Math]::Min($crabboxHead.Length, ${STATE_HEADER.length + 1}))`,
    `if (${knownFingerprint ? `$crabboxHead -eq ${q(stateHeaderLine(knownFingerprint))}` : "$false"}) {`,
    `  ${writeText('"crabbox-sync known $crabboxFp`n"')}`,
    "} else {",
    `  ${writeText('"crabbox-sync full $crabboxFp`n"')}`,
    "  $crabboxBytes = [IO.File]::ReadAllBytes($crabboxState)",
    "  $crabboxOut.Write($crabboxBytes, 0, $crabboxBytes.Length)",
    "}",
    writeText('"`0crabbox-drift`0"'),
    "$crabboxOut.Flush()",
  ].join("\n");
  return powershellEncodedCommand(script);
}

export function windowsApplyCommand(workdir: string): string {
  const script = [
    "$ErrorActionPreference = 'Stop'",
    `New-Item -ItemType Directory -Force -Path ${q(workdir)} | Out-Null`,
    `Set-Location -LiteralPath ${q(workdir)}`,
    `New-Item -ItemType Directory -Force -Path ${q(STATE_DIR)} | Out-Null`,
    `if (Test-Path -LiteralPath ${q(`${STATE_DIR}\\incoming`)}) { Remove-Item -LiteralPath ${q(`${STATE_DIR}\\incoming`)} -Recurse -Force }`,
    "tar.exe -xf -",
    "if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }",
    // .NET resolves relative paths against the process directory, not PowerShell's location.
    `$crabboxDeletions = Join-Path $PWD.ProviderPath ${q(WINDOWS_INCOMING_DELETIONS.replaceAll("/", "\\"))}`,
    "if (Test-Path -LiteralPath $crabboxDeletions) {",
    "  foreach ($crabboxPath in [IO.File]::ReadAllLines($crabboxDeletions, [Text.Encoding]::UTF8)) {",
    "    if ($crabboxPath -ne '') { Remove-Item -LiteralPath $crabboxPath -Force -ErrorAction SilentlyContinue }",
    "  }",
    "}",
    `Move-Item -LiteralPath ${q(`${STATE_DIR}\\incoming\\manifest`)} -Destination ${q(`${STATE_DIR}\\manifest`)} -Force`,
    `Remove-Item -LiteralPath ${q(`${STATE_DIR}\\incoming`)} -Recurse -Force`,
  ].join("\n");
  return powershellEncodedCommand(script);
}
