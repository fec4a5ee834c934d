import { CrabboxError } from "../../errors";
import { Option } from "./clipanion";

/** `--id <run-id>` or the first positional, as the lease commands accept both. */
export const runIdOption = () => Option.String("--id", { description: "Run ID" });
export const runIdPositional = () => Option.String({ required: false, name: "run-id" });

/** The run a command reads; without one, a usage error naming the command (and `hint`). */
export function requireRunId(
  flag: string | undefined,
  positional: string | undefined,
  command: string,
  hint = "",
): string {
  const runID = flag ?? positional;
  if (!runID) throw new CrabboxError("usage", `${command} needs a run: crabbox ${command} <run-id>${hint}`);
  return runID;
}
