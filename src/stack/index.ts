export { ensureLocalStack, runningStack } from "./ensure";
export { isLocalStackUrl } from "./local-url";
export { coordinatorPort, defaultCoordinatorPort, stackPaths } from "./paths";
export { type RunningStack, type RunStackOptions, runStack } from "./run-stack";
export type { StackInfo } from "./stack-file";
export { localStackStatus, type StackStatus } from "./status";
export { type StopOutcome, stopLocalStack } from "./stop";
