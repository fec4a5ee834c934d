export { HostHttpServer } from "./http/host-http-server";
export { formatLabelSelector, matchesSelector, parseLabelSelector } from "./label-selector";
export { defaultBootstrapDelayMs, MachineHost, type MachineHostOptions } from "./machine-host";
export { crabboxStateDir } from "./state-dir";
export type { CreateMachineRequest, LocalMachine } from "./wire";
