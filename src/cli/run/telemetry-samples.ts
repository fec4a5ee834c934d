/**
 * A run's record carries the machine's telemetry at the start of the command and at its end.
 * The end sample is one more SSH round trip after the command, in front of the exit: for a
 * command shorter than this the start sample (taken while the sync ran) already says what the
 * machine looked like, so only longer commands pay for a second one (docs/sync.md, "Inner loop").
 */
export const endSampleAfterMs = 10_000;

export function endSampleWorthIt(commandMs: number): boolean {
  return commandMs >= endSampleAfterMs;
}
