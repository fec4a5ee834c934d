/**
 * The origin URL a machine may fetch from. Credentials never leave this computer: userinfo
 * (`https://user:token@host/…`) is stripped, and SSH remotes become anonymous HTTPS because
 * the machine holds no SSH key for the forge. Private repositories then simply fail to fetch
 * on the machine and the seed falls back to the local object store.
 */
export function machineOriginUrl(raw: string): string | undefined {
  const url = raw.trim();
  if (!url) return undefined;
  // scp-like `user@host:path`; `host::…` is a remote-helper transport (e.g. `ext::`, which runs commands), never accepted
  const scp = /^(?:[^@/\s]+@)?([A-Za-z0-9][A-Za-z0-9.-]*):(?![:/])(\S+)$/.exec(url);
  if (scp && !/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !/^[A-Za-z]:[\\/]/.test(url)) {
    return `https://${scp[1]}/${withGitSuffix(scp[2]!)}`;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // A local path: reachable only when the machine shares this filesystem.
    return url.startsWith("/") ? url : undefined;
  }
  switch (parsed.protocol) {
    case "ssh:":
    case "git+ssh:":
      return `https://${parsed.hostname}/${withGitSuffix(parsed.pathname.replace(/^\/+/, ""))}`;
    case "https:":
    case "http:":
    case "git:":
    case "file:":
      parsed.username = "";
      parsed.password = "";
      return parsed.toString();
    default:
      return undefined;
  }
}

function withGitSuffix(path: string): string {
  return path.endsWith(".git") ? path : `${path}.git`;
}
