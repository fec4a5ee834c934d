import type { ResolvedConfig } from "../config";
import { buildManifest, type Manifest } from "../sync/manifest";

/** The manifest exactly as `run` would build it, for `sync-plan`. */
export function prepareManifestOnly(
  repoRoot: string,
  config: ResolvedConfig,
  allowLarge = true,
): Promise<Manifest> {
  return buildManifest(repoRoot, {
    excludes: config.sync.exclude,
    maxFiles: config.sync.failFiles,
    maxBytes: config.sync.failBytes,
    allowLarge,
  });
}
