export { buildManifest, type Manifest } from "./manifest";
export { syncToRemote } from "./sync";
