export { ensureLocalStack } from "./ensure";
export { isLocalStackUrl } from "./local-url";
export { type RunningStack, runStack } from "./run-stack";
export { stopLocalStack } from "./stop";
