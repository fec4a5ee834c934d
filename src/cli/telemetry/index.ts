export { collectTelemetry } from "./linux";
