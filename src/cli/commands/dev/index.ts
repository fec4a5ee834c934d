import type { CommandClass } from "../clipanion";
import type { CrabboxContext } from "../context";
import { DevCommand } from "./dev";
import { DevPortalCommand } from "./portal";
import { DevStatusCommand } from "./status";
import { DevStopCommand } from "./stop";

export { DevCommand, DevPortalCommand, DevStatusCommand, DevStopCommand };

/** The `dev` family, for `src/cli/commands/index.ts` to register. */
export const devCommands: CommandClass<CrabboxContext>[] = [
  DevCommand,
  DevStatusCommand,
  DevStopCommand,
  DevPortalCommand,
];
