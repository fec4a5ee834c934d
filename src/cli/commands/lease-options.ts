import { Option } from "./clipanion";

/** `--id <lease-or-slug>` or the first positional, as the reference accepts both. */
export const idOption = () => Option.String("--id", { description: "Lease ID or slug" });
export const idPositional = () => Option.String({ required: false, name: "lease-id-or-slug" });

export function pickId(flag: string | undefined, positional: string | undefined): string | undefined {
  return flag ?? positional;
}
