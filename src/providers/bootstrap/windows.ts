/**
 * The native Windows bootstrap (Azure). Azure stores a Windows VM's `customData` at
 * `%SystemDrive%\AzureData\CustomData.bin` but never runs it, so the provider ships this
 * PowerShell document as custom data and asks the VM agent's Custom Script Extension to
 * copy and run it (`windowsExtensionCommand`). The extension's completion is the end of
 * provisioning, which is why the script must never reboot the machine.
 *
 * The machine ends up with one local administrator (the lease's SSH user) that logs in by
 * the lease key only, OpenSSH server on the lease's ports with PowerShell as its shell, git
 * and tar on PATH, a writable work root, and a readiness marker written last. The local
 * user's password is random, generated on the machine and never written anywhere: it
 * exists only because Windows accounts need one.
 */
import { CrabboxError } from "../../errors";
import type { MachineSpec } from "../provider";

export type WindowsBootstrapInput = Pick<
  MachineSpec,
  "sshUser" | "sshPublicKey" | "sshPort" | "sshFallbackPorts" | "workRoot"
>;

export const windowsStateDir = "C:\\ProgramData\\crabbox";
export const windowsReadinessMarker = "C:\\ProgramData\\crabbox\\setup-complete";
export const windowsReadinessCommand = "C:\\ProgramData\\crabbox\\crabbox-ready.ps1";
export const windowsOpenSSHDir = "C:\\Program Files\\OpenSSH";
export const windowsOpenSSHRelease = "v9.8.3.0p2-Preview";
export const windowsGitVersion = "2.52.0";

export const windowsOpenSSHMsiURL = `https://github.com/PowerShell/Win32-OpenSSH/releases/download/${windowsOpenSSHRelease}/OpenSSH-Win64-v9.8.3.0.msi`;
export const windowsGitInstallerURL = `https://github.com/git-for-windows/git/releases/download/v${windowsGitVersion}.windows.1/Git-${windowsGitVersion}-64-bit.exe`;
/**
 * SHA-256 of the pinned downloads, as published in the Windows Package Manager manifests
 * (microsoft/winget-pkgs: Microsoft.OpenSSH.Preview 9.8.3.0 x64 and Git.Git 2.52.0 x64
 * InstallerSha256). A download that does not match is deleted and the bootstrap fails.
 */
export const windowsOpenSSHMsiSha256 = "C8A8C7E21136A099665C2FAD9ACCB41152D129466B719EA71678BAB665E03389";
export const windowsGitInstallerSha256 = "D8DE7A3152266C8BB13577EAB850EA1DF6DCCF8C2AA48BE5B4A1C58B7190D62C";

const userPattern = /^[a-z][a-z0-9_-]{0,19}$/;
const workRootPattern = /^[A-Za-z]:\\[A-Za-z0-9._\\-]*$/;
const publicKeyPattern =
  // The comment may have spaces (the CLI's lease keys are "crabbox <leaseID>"), never quotes.
  /^(ssh-(ed25519|rsa)|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com) [A-Za-z0-9+/=]+( [A-Za-z0-9@._+=: -]*)?$/;
const reservedWindowsUsers = new Set(["administrator", "guest", "defaultaccount", "system"]);

function invalid(field: string, message: string): CrabboxError {
  return new CrabboxError("invalid_request", message, { field });
}

function windowsPorts(input: Pick<MachineSpec, "sshPort" | "sshFallbackPorts">): number[] {
  const ports = [input.sshPort, ...input.sshFallbackPorts];
  for (const port of ports) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw invalid("sshPort", `SSH port ${String(port)} is not an integer between 1 and 65535`);
    }
  }
  return [...new Set(ports)];
}

function validate(input: WindowsBootstrapInput): { ports: number[]; key: string } {
  if (!userPattern.test(input.sshUser) || reservedWindowsUsers.has(input.sshUser)) {
    throw invalid("sshUser", "sshUser must be a lowercase Windows user name (a-z, 0-9, _ and -, ≤ 20)");
  }
  const key = input.sshPublicKey.trim();
  if (!publicKeyPattern.test(key)) {
    throw invalid("sshPublicKey", "sshPublicKey must be one OpenSSH public key line");
  }
  if (!workRootPattern.test(input.workRoot) || input.workRoot.includes("..")) {
    throw invalid("workRoot", "workRoot must be an absolute Windows path such as C:\\crabbox");
  }
  return { ports: windowsPorts(input), key };
}

/** Every value is validated above to contain no quote, so single-quoted literals are safe. */
function psString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** The sshd_config the script writes, whole: no edit of a file whose shape varies by version. */
export function windowsSshdConfig(ports: number[]): string {
  return [
    ...ports.map((port) => `Port ${port}`),
    "PubkeyAuthentication yes",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "PermitEmptyPasswords no",
    "AuthorizedKeysFile .ssh/authorized_keys",
    "Subsystem sftp sftp-server.exe",
    "Match Group administrators",
    "       AuthorizedKeysFile __PROGRAMDATA__/ssh/administrators_authorized_keys",
    "",
  ].join("\n");
}

export function windowsBootstrapScript(spec: WindowsBootstrapInput): string {
  const { ports, key } = validate(spec);
  const sshdConfig = windowsSshdConfig(ports);
  return [
    "# crabbox native Windows bootstrap, run once by the Azure Custom Script Extension.",
    "# It never restarts the machine: the extension's completion is the end of provisioning.",
    "$ErrorActionPreference = 'Stop'",
    "$ProgressPreference = 'SilentlyContinue'",
    "[Net.ServicePointManager]::SecurityProtocol = [Net.SecurityProtocolType]::Tls12",
    "",
    `$CrabboxUser = ${psString(spec.sshUser)}`,
    `$CrabboxPublicKey = ${psString(key)}`,
    `$CrabboxWorkRoot = ${psString(spec.workRoot)}`,
    `$CrabboxPorts = @(${ports.join(", ")})`,
    `$CrabboxState = ${psString(windowsStateDir)}`,
    `$CrabboxMarker = ${psString(windowsReadinessMarker)}`,
    `$CrabboxReady = ${psString(windowsReadinessCommand)}`,
    `$OpenSSHDir = ${psString(windowsOpenSSHDir)}`,
    `$OpenSSHMsiUrl = ${psString(windowsOpenSSHMsiURL)}`,
    `$OpenSSHMsiSha256 = ${psString(windowsOpenSSHMsiSha256)}`,
    `$GitInstallerUrl = ${psString(windowsGitInstallerURL)}`,
    `$GitInstallerSha256 = ${psString(windowsGitInstallerSha256)}`,
    "$Utf8 = New-Object System.Text.UTF8Encoding $false",
    "",
    "function Invoke-CrabboxRetry([scriptblock]$Action) {",
    "  for ($attempt = 1; $attempt -le 8; $attempt++) {",
    "    try { return & $Action } catch { if ($attempt -eq 8) { throw }; Start-Sleep -Seconds (5 * $attempt) }",
    "  }",
    "}",
    "",
    "function Assert-CrabboxSha256([string]$Path, [string]$Expected) {",
    "  $actual = (Get-FileHash -Algorithm SHA256 -LiteralPath $Path).Hash",
    "  if ($actual -ne $Expected) {",
    "    Remove-Item -LiteralPath $Path -Force",
    '    throw "SHA-256 of $Path is $actual, expected $Expected"',
    "  }",
    "}",
    "",
    "New-Item -ItemType Directory -Force -Path $CrabboxState, $CrabboxWorkRoot | Out-Null",
    "",
    "# The lease user: a local administrator whose random password never leaves this script.",
    "$secret = New-Object byte[] 24",
    "[Security.Cryptography.RandomNumberGenerator]::Create().GetBytes($secret)",
    "$password = ConvertTo-SecureString ('Cb1!' + [Convert]::ToBase64String($secret)) -AsPlainText -Force",
    "if (Get-LocalUser -Name $CrabboxUser -ErrorAction SilentlyContinue) {",
    "  Set-LocalUser -Name $CrabboxUser -Password $password -PasswordNeverExpires $true",
    "} else {",
    "  New-LocalUser -Name $CrabboxUser -Password $password -PasswordNeverExpires -AccountNeverExpires | Out-Null",
    "}",
    "Remove-Variable secret, password",
    "if (-not (Get-LocalGroupMember -SID 'S-1-5-32-544' | Where-Object { $_.Name -like \"*\\$CrabboxUser\" })) {",
    "  Add-LocalGroupMember -SID 'S-1-5-32-544' -Member $CrabboxUser",
    "}",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: PowerShell's ${name} variable syntax
    'icacls $CrabboxWorkRoot /grant "${CrabboxUser}:(OI)(CI)F" | Out-Null',
    "",
    "# OpenSSH server, from the pinned Win32-OpenSSH MSI (hash checked) when the image has none.",
    "if (-not (Get-Service -Name sshd -ErrorAction SilentlyContinue)) {",
    "  $msi = Join-Path $env:TEMP 'OpenSSH-Win64.msi'",
    "  Invoke-CrabboxRetry { Invoke-WebRequest -UseBasicParsing -Uri $OpenSSHMsiUrl -OutFile $msi }",
    "  Assert-CrabboxSha256 $msi $OpenSSHMsiSha256",
    "  $process = Start-Process -FilePath msiexec.exe -ArgumentList '/i', $msi, '/qn', '/norestart' -Wait -PassThru",
    '  if ($process.ExitCode -ne 0 -and $process.ExitCode -ne 3010) { throw "OpenSSH installer exited with $($process.ExitCode)" }',
    "}",
    "# The tools live where the service does: System32\\OpenSSH on images that ship it, Program Files otherwise.",
    "$service = Get-CimInstance -ClassName Win32_Service -Filter \"Name='sshd'\"",
    "if (-not $service) { throw 'no sshd service after installing OpenSSH' }",
    "if ($service.PathName -match '^\\s*\"?([^\"]+?\\.exe)') { $OpenSSHDir = Split-Path -Parent $Matches[1] }",
    "if (-not (Test-Path (Join-Path $OpenSSHDir 'ssh-keygen.exe'))) { throw \"ssh-keygen.exe not found in $OpenSSHDir\" }",
    "$sshData = Join-Path $env:ProgramData 'ssh'",
    "New-Item -ItemType Directory -Force -Path $sshData | Out-Null",
    "& (Join-Path $OpenSSHDir 'ssh-keygen.exe') -A",
    "",
    "# Key-only login: the lease key is the only authorised key, readable by SYSTEM and admins only.",
    "$adminKeys = Join-Path $sshData 'administrators_authorized_keys'",
    '[IO.File]::WriteAllText($adminKeys, $CrabboxPublicKey + "`n", $Utf8)',
    "icacls $adminKeys /inheritance:r /grant '*S-1-5-18:F' /grant '*S-1-5-32-544:F' | Out-Null",
    "$sshdConfig = @'",
    ...sshdConfig.trimEnd().split("\n"),
    "'@",
    "[IO.File]::WriteAllText((Join-Path $sshData 'sshd_config'), $sshdConfig + \"`n\", $Utf8)",
    "New-Item -Path 'HKLM:\\SOFTWARE\\OpenSSH' -Force | Out-Null",
    "New-ItemProperty -Path 'HKLM:\\SOFTWARE\\OpenSSH' -Name DefaultShell -PropertyType String -Force `",
    "  -Value 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe' | Out-Null",
    "foreach ($port in $CrabboxPorts) {",
    '  $rule = "crabbox-sshd-$port"',
    "  if (-not (Get-NetFirewallRule -Name $rule -ErrorAction SilentlyContinue)) {",
    "    New-NetFirewallRule -Name $rule -DisplayName $rule -Direction Inbound -Protocol TCP -LocalPort $port -Action Allow | Out-Null",
    "  }",
    "}",
    "",
    "# Git for Windows, silently, when the image has none.",
    "if (-not (Get-Command git.exe -ErrorAction SilentlyContinue) -and -not (Test-Path 'C:\\Program Files\\Git\\cmd\\git.exe')) {",
    "  $installer = Join-Path $env:TEMP 'git-installer.exe'",
    "  Invoke-CrabboxRetry { Invoke-WebRequest -UseBasicParsing -Uri $GitInstallerUrl -OutFile $installer }",
    "  Assert-CrabboxSha256 $installer $GitInstallerSha256",
    "  $process = Start-Process -FilePath $installer -ArgumentList '/VERYSILENT', '/NORESTART', '/NOCANCEL', '/SP-', '/SUPPRESSMSGBOXES' -Wait -PassThru",
    '  if ($process.ExitCode -ne 0) { throw "git installer exited with $($process.ExitCode)" }',
    "}",
    "$machinePath = [Environment]::GetEnvironmentVariable('Path', 'Machine')",
    "foreach ($dir in @($OpenSSHDir, 'C:\\Program Files\\Git\\cmd')) {",
    "  if (($machinePath -split ';') -notcontains $dir) { $machinePath = $machinePath.TrimEnd(';') + ';' + $dir }",
    "}",
    "[Environment]::SetEnvironmentVariable('Path', $machinePath, 'Machine')",
    "$env:Path = $machinePath + ';' + [Environment]::GetEnvironmentVariable('Path', 'User')",
    "",
    "# sshd starts with the new configuration; new sessions read the updated PATH. No reboot.",
    "Set-Service -Name sshd -StartupType Automatic",
    "Restart-Service -Name sshd -Force",
    "",
    "$readyScript = @'",
    "$ErrorActionPreference = 'Stop'",
    `if (-not (Test-Path ${psString(windowsReadinessMarker)})) { exit 1 }`,
    "git --version | Out-Null",
    "tar --version | Out-Null",
    `$probe = Join-Path ${psString(spec.workRoot)} '.crabbox-ready-probe'`,
    "Set-Content -Path $probe -Value ok",
    "Remove-Item -Path $probe",
    "'@",
    '[IO.File]::WriteAllText($CrabboxReady, $readyScript + "`n", $Utf8)',
    "git --version",
    "tar --version",
    "[IO.File]::WriteAllText($CrabboxMarker, (Get-Date).ToUniversalTime().ToString('o'), $Utf8)",
    "",
  ].join("\r\n");
}

/**
 * What the Custom Script Extension runs: copy the custom data (this script) to a `.ps1`
 * file and run it, so the script's failure fails the extension and with it the lease.
 */
export function windowsExtensionCommand(): string {
  const script = "$env:SystemDrive\\AzureData\\crabbox-bootstrap.ps1";
  return [
    'powershell.exe -NoProfile -ExecutionPolicy Bypass -Command "',
    `Copy-Item -Path $env:SystemDrive\\AzureData\\CustomData.bin -Destination ${script} -Force; `,
    `powershell.exe -NoProfile -ExecutionPolicy Bypass -File ${script}; exit $LASTEXITCODE"`,
  ].join("");
}
