export { formatDuration, parseDuration } from "./duration";
export { loadConfig, readConfigFile } from "./load";
export { userConfigDir, userConfigPath } from "./paths";
export { hasCoordinator, isStaticProvider, type ResolvedConfig } from "./resolved";
export type { ConfigLayer } from "./schema";
export { writeUserConfig } from "./write";
