import { createRequire } from "node:module";
import type * as ClipanionTypes from "clipanion";

/**
 * Clipanion through its CommonJS build: its ESM build imports a directory (`../platform`),
 * which Node's ESM loader refuses under vitest. Same classes, same types.
 */
const clipanion = createRequire(import.meta.url)("clipanion") as typeof ClipanionTypes;

export const { Builtins, Cli, Command, Option } = clipanion;
export type Command<Context extends ClipanionTypes.BaseContext = ClipanionTypes.BaseContext> =
  ClipanionTypes.Command<Context>;
export type Cli<Context extends ClipanionTypes.BaseContext = ClipanionTypes.BaseContext> =
  ClipanionTypes.Cli<Context>;
export type { BaseContext, CommandClass } from "clipanion";
