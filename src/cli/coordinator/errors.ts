import { CrabboxError, type ErrorCode, errorCodes } from "../../errors";

function codeForStatus(status: number): ErrorCode {
  if (status === 400 || status === 413 || status === 422) return "invalid_request";
  if (status === 401) return "unauthorized";
  if (status === 403) return "forbidden";
  if (status === 404 || status === 410) return "not_found";
  if (status === 409) return "illegal_transition";
  if (status === 429) return "rate_limited";
  if (status === 504) return "timeout";
  return "provider_error";
}

const hints: Partial<Record<ErrorCode, string>> = {
  unauthorized: "run `crabbox login` (or `crabbox config set-broker --url <url> --token-stdin`)",
  forbidden: "this identity may not do that; ask the lease owner for a share or use an admin token",
  not_found: "check the ID or slug with `crabbox list --all` (a slug names only an active lease)",
  cost_limit_exceeded:
    "release idle leases (`crabbox list`, `crabbox stop <id>`) or ask an admin to raise the cap",
};

/** The coordinator names the classes its provider has when a lease asks for another one. */
function classHint(classes: unknown): string | undefined {
  if (!Array.isArray(classes) || !classes.every((c) => typeof c === "string")) return undefined;
  return `the provider's classes are ${classes.join(", ")}: pass \`--class <class>\` with one of them, or \`--type <server type>\` for a literal server type`;
}

const runNotFoundHint = "check the run ID with `crabbox history` (or `crabbox history --lease <id>`)";

/** A non-2xx answer as a CrabboxError: the coordinator's own code when it sent one we know. */
export function errorFromResponse(
  method: string,
  path: string,
  status: number,
  bodyText: string,
): CrabboxError {
  let code: ErrorCode = codeForStatus(status);
  let message = bodyText.slice(0, 600).trim();
  let wireCode = "";
  let fieldHint: string | undefined;
  try {
    const body = JSON.parse(bodyText) as {
      error?: unknown;
      message?: unknown;
      field?: unknown;
      classes?: unknown;
    };
    if (body.field === "class") fieldHint = classHint(body.classes);
    if (typeof body.error === "string") {
      wireCode = body.error;
      if (body.error in errorCodes) code = body.error as ErrorCode;
    }
    if (typeof body.message === "string") message = body.message;
    else if (wireCode) message = wireCode;
  } catch {
    // plain-text body: keep its head as the message
  }
  // A run is looked up by its ID, which `crabbox history` lists; leases by ID or slug.
  const hint =
    fieldHint ?? (code === "not_found" && path.startsWith("/v1/runs") ? runNotFoundHint : hints[code]);
  const text = `coordinator ${method} ${path}: ${message || `http ${status}`} (http ${status}${wireCode ? ` ${wireCode}` : ""})${hint ? `; ${hint}` : ""}`;
  return new CrabboxError(code, text, { status, ...(wireCode ? { wireCode } : {}) });
}
