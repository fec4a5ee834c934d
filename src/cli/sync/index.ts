export {
  DEFAULT_EXCLUDES,
  excludeMatcher,
  isSafeRelativePath,
  readCrabboxIgnore,
  STATE_DIR,
} from "./excludes";
export {
  checkDeletionGuard,
  checkSizeGuards,
  DEFAULT_MASS_DELETE_THRESHOLD,
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_FILES,
  formatBytes,
  isMassDeletion,
} from "./guards";
export { type BuildManifestOptions, buildManifest, type Manifest, type ManifestEntry } from "./manifest";
export { type SyncOptions, type SyncPhase, type SyncResult, syncToRemote } from "./sync";
