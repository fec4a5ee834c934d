/**
 * Makes a remote POSIX command stoppable from the client on any SSH server.
 *
 * OpenSSH honours `signal` channel requests only for non-root logins, and a command whose
 * connection drops keeps running. So the command is wrapped: its stdin becomes /dev/null and a
 * small watchdog holds the channel's stdin instead. When the client sends EOF (Ctrl-C) or the
 * connection dies, the watchdog sends SIGINT to the session's process group, then SIGKILL
 * after a grace period. The group is only signalled when the wrapper leads it (sshd starts
 * every session in its own session and group), so a server that runs commands inside its own
 * process group is never hit; there the `signal` request is the only stop.
 */
export function interruptibleCommand(command: string, killGraceSeconds: number): string {
  const grace = Math.max(0, Math.ceil(killGraceSeconds));
  return [
    "exec 3<&0 </dev/null",
    // The shell's process group: from /proc where there is one (no fork; `ps` cost ~15 ms of
    // every command), else from ps. /proc/<pid>/stat is "pid (comm) state ppid pgrp …".
    'if [ -r /proc/$$/stat ] && read -r crabbox_pg </proc/$$/stat; then crabbox_pg=${crabbox_pg##*) }; crabbox_pg=${crabbox_pg#* }; crabbox_pg=${crabbox_pg#* }; crabbox_pg=${crabbox_pg%% *}; else crabbox_pg=$(ps -o pgid= -p $$ 2>/dev/null | tr -d " "); fi',
    "crabbox_w=",
    `if [ "$crabbox_pg" = "$$" ]; then { while IFS= read -r crabbox_l <&3; do :; done; kill -s INT 0; sleep ${grace}; kill -s KILL 0; } >/dev/null 2>&1 & crabbox_w=$!; fi`,
    "exec 3<&-",
    `( ${command}\n)`,
    "crabbox_rc=$?",
    'if [ -n "$crabbox_w" ]; then kill "$crabbox_w" 2>/dev/null; fi',
    "exit $crabbox_rc",
  ].join("\n");
}
