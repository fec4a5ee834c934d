/**
 * The machine classes a provider offers for a target, and the check that a lease request names
 * one of them: a class the provider lacks is a client mistake (400 naming `class`, listing the
 * provider's classes), never a literal server type; a literal type goes in `serverType`
 * (docs/api.md, "Lease create").
 */
import { CrabboxError } from "../errors";
import { azureClassNames } from "./azure/classes";
import { awsLinuxClasses, awsWindowsClasses, hetznerClasses, machineClassNames } from "./classes";
import type { ProviderName, Target } from "./provider";

export function classNamesOf(provider: ProviderName, target: Target): readonly string[] {
  switch (provider) {
    case "hetzner":
      return Object.keys(hetznerClasses);
    case "aws":
      return Object.keys(target === "windows" ? awsWindowsClasses : awsLinuxClasses);
    case "azure":
      return azureClassNames;
    case "local":
      return machineClassNames;
  }
}

/**
 * Refuses a class the provider does not have, unless the request names its server type: then
 * the class is only a label (a class of the user's own config that resolved to a type).
 */
export function assertClassOffered(
  provider: ProviderName,
  target: Target,
  machineClass: string,
  serverType: string | undefined,
): void {
  const classes = classNamesOf(provider, target);
  if (serverType || classes.includes(machineClass)) return;
  throw new CrabboxError(
    "invalid_request",
    `class ${machineClass} is not a class of provider ${provider} (${target}); use one of ${classes.join(", ")}, or name a literal server type in serverType`,
    { field: "class", classes: [...classes] },
  );
}
