/**
 * Machine classes (`standard`, `fast`, `large`, `beast`) → ordered server types per provider
 * and target. The first entry is the preferred type; the rest are tried in order when the
 * cloud refuses one for capacity or quota. Each provider owns its table; Azure's lives in
 * `azure/classes.ts`. A class a provider does not have is refused (400 naming `class`, with the
 * provider's classes); a literal server type goes in `serverType` (`--type`), docs/api.md.
 */

export type ClassTable = Readonly<Record<string, readonly string[]>>;

/** The class names every provider offers (the local provider records them as labels). */
export const machineClassNames = ["standard", "fast", "large", "beast"] as const;

export const hetznerClasses: ClassTable = {
  standard: ["ccx33", "cpx62", "cx53"],
  fast: ["ccx43", "cpx62", "cx53"],
  large: ["ccx53", "ccx43", "cpx62", "cx53"],
  beast: ["ccx63", "ccx53", "ccx43", "cpx62", "cx53"],
};

export const awsLinuxClasses: ClassTable = {
  standard: ["c7a.8xlarge", "c7i.8xlarge", "m7a.8xlarge", "m7i.8xlarge", "c7a.4xlarge"],
  fast: ["c7a.16xlarge", "c7i.16xlarge", "m7a.16xlarge", "m7i.16xlarge", "c7a.12xlarge", "c7a.8xlarge"],
  large: [
    "c7a.24xlarge",
    "c7i.24xlarge",
    "m7a.24xlarge",
    "m7i.24xlarge",
    "r7a.24xlarge",
    "c7a.16xlarge",
    "c7a.12xlarge",
  ],
  beast: [
    "c7a.48xlarge",
    "c7i.48xlarge",
    "m7a.48xlarge",
    "m7i.48xlarge",
    "r7a.48xlarge",
    "c7a.32xlarge",
    "c7i.32xlarge",
    "m7a.32xlarge",
    "c7a.24xlarge",
    "c7a.16xlarge",
  ],
};

export const awsWindowsClasses: ClassTable = {
  standard: ["m7i.large", "m7a.large", "t3.large"],
  fast: ["m7i.xlarge", "m7a.xlarge", "t3.xlarge"],
  large: ["m7i.2xlarge", "m7a.2xlarge", "t3.2xlarge"],
  beast: ["m7i.4xlarge", "m7a.4xlarge", "m7i.2xlarge"],
};

/**
 * A small type tried last for class requests, for accounts whose policy (e.g. the free
 * tier) refuses the big ones. Never used for an exact `--type`.
 */
export const awsPolicyFallback = { linux: "t3.small", windows: "t3.large" } as const;

export function classTypes(table: ClassTable, machineClass: string): readonly string[] {
  return Object.hasOwn(table, machineClass) ? (table[machineClass] ?? []) : [machineClass];
}

export interface CandidateRequest {
  class: string;
  serverType: string;
  serverTypeExplicit: boolean;
}

/** Ordered, unique server types to try: exactly one when the type is explicit. */
export function serverTypeCandidates(
  request: CandidateRequest,
  table: ClassTable,
  lastResort?: string,
): string[] {
  if (request.serverTypeExplicit) return [request.serverType];
  // A request that names only its class may carry the class name as its type: not a real type.
  const requested =
    request.serverType === request.class && Object.hasOwn(table, request.class)
      ? undefined
      : request.serverType;
  const ordered = [requested, ...classTypes(table, request.class), lastResort];
  return [...new Set(ordered.filter((t): t is string => typeof t === "string" && t.length > 0))];
}

/** The preferred server type of a class (what `serverType` defaults to). */
export function defaultServerType(table: ClassTable, machineClass: string): string {
  return classTypes(table, machineClass)[0] ?? machineClass;
}
