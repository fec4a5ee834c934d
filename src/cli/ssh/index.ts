export {
  type ConnectOptions,
  connectSsh,
  type ExecOptions,
  type ExecResult,
  type ShellOptions,
  type SshSession,
} from "./connect";
export { defaultKnownHostsPath, type HostKeyPolicy, hostAlias } from "./known-hosts";
export {
  powershellEncodedCommand,
  powershellQuote,
  powershellQuoteWord,
  shellEnvPrefix,
  shellQuote,
  shellQuoteWord,
} from "./quote";
export {
  POSIX_READY_COMMAND,
  portCandidates,
  type ReadyProgress,
  type ReadyTarget,
  STATIC_POSIX_READY_COMMAND,
  type WaitForReadyOptions,
  WINDOWS_READY_COMMAND,
  waitForReady,
  waitForReadySession,
} from "./ready";
