export { collectTelemetry, LINUX_TELEMETRY_COMMAND, parseLinuxTelemetry } from "./linux";
