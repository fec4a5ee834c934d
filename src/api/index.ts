/** Every wire schema of the coordinator API, one definition per shape, for Worker and CLI. */
export * from "./admin";
export * from "./auth";
export * from "./bounds";
export * from "./errors";
export * from "./leases";
export * from "./runs";
export * from "./shared";
export * from "./telemetry";
export * from "./usage";
