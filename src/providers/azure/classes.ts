/**
 * Machine class → Azure VM size candidates, best first. The Linux ladders follow the vCPU
 * scale of the other clouds; native Windows is deliberately small (a Windows lease runs one
 * test suite, and Windows sizes cost more per core). An exact `--type` is tried alone.
 */
import type { Target } from "../provider";

const linuxSizes: Record<string, readonly string[]> = {
  standard: [
    "Standard_D32ads_v6",
    "Standard_D32ds_v6",
    "Standard_F32s_v2",
    "Standard_D32ads_v5",
    "Standard_D32ds_v5",
    "Standard_D16ads_v6",
    "Standard_D16ds_v6",
    "Standard_F16s_v2",
  ],
  fast: [
    "Standard_D64ads_v6",
    "Standard_D64ds_v6",
    "Standard_F64s_v2",
    "Standard_D64ads_v5",
    "Standard_D64ds_v5",
    "Standard_D48ads_v6",
    "Standard_D48ds_v6",
    "Standard_F48s_v2",
    "Standard_D32ads_v6",
    "Standard_D32ds_v6",
    "Standard_F32s_v2",
  ],
  large: [
    "Standard_D96ads_v6",
    "Standard_D96ds_v6",
    "Standard_D96ads_v5",
    "Standard_D96ds_v5",
    "Standard_D64ads_v6",
    "Standard_D64ds_v6",
    "Standard_F64s_v2",
    "Standard_D48ads_v6",
    "Standard_D48ds_v6",
    "Standard_F48s_v2",
  ],
  beast: [
    "Standard_D192ds_v6",
    "Standard_D128ds_v6",
    "Standard_D96ads_v6",
    "Standard_D96ds_v6",
    "Standard_D96ads_v5",
    "Standard_D96ds_v5",
    "Standard_D64ads_v6",
    "Standard_D64ds_v6",
    "Standard_F64s_v2",
  ],
};

const windowsSizes: Record<string, readonly string[]> = {
  standard: [
    "Standard_D2ads_v6",
    "Standard_D2ds_v6",
    "Standard_D2ads_v5",
    "Standard_D2ds_v5",
    "Standard_D2as_v6",
  ],
  fast: [
    "Standard_D4ads_v6",
    "Standard_D4ds_v6",
    "Standard_D4ads_v5",
    "Standard_D4ds_v5",
    "Standard_D4as_v6",
  ],
  large: [
    "Standard_D8ads_v6",
    "Standard_D8ds_v6",
    "Standard_D8ads_v5",
    "Standard_D8ds_v5",
    "Standard_D8as_v6",
  ],
  beast: [
    "Standard_D16ads_v6",
    "Standard_D16ds_v6",
    "Standard_D16ads_v5",
    "Standard_D16ds_v5",
    "Standard_D8ads_v6",
  ],
};

export const azureClassNames = ["standard", "fast", "large", "beast"] as const;

/** The ladder of a class for a target; an unknown class name is treated as a size name. */
export function azureSizesForClass(target: Target, className: string): readonly string[] {
  const table = target === "windows" ? windowsSizes : linuxSizes;
  return Object.hasOwn(table, className) ? table[className]! : [className];
}

/**
 * The sizes to try in order: exactly the requested one when it is explicit, otherwise the
 * requested one first followed by the rest of the class ladder, each once.
 */
export function azureSizeCandidates(input: {
  target: Target;
  class: string;
  serverType: string;
  serverTypeExplicit: boolean;
}): string[] {
  if (input.serverTypeExplicit) return [input.serverType];
  const ladder = azureSizesForClass(input.target, input.class);
  return [...new Set([input.serverType, ...ladder].filter((size) => size.length > 0))];
}
