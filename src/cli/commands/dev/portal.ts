import { CrabboxError } from "../../../errors";
import { localStackStatus } from "../../../stack/status";
import { Command, Option } from "../clipanion";
import type { CrabboxContext } from "../context";

/**
 * `crabbox dev portal`: a one-time sign-in link to the local stack's portal, which has no
 * GitHub OAuth app. The link signs one browser in as the stack's admin, once, within 5
 * minutes; a deployed coordinator has no such route (docs/portal.md, "Local sign-in").
 */
export class DevPortalCommand extends Command<CrabboxContext> {
  static override paths = [["dev", "portal"]];
  static override usage = Command.Usage({
    description: "Print a one-time sign-in link to the local stack's portal",
  });

  json = Option.Boolean("--json", false, { description: "Print one JSON document on stdout" });

  override async execute(): Promise<number> {
    const status = await localStackStatus(this.context.env);
    if (!status.running || !status.info || !status.healthy) {
      throw new CrabboxError("config", "no local stack is running; start one with `crabbox dev`");
    }
    const res = await fetch(new URL("/v1/local/portal-link", status.info.url), {
      method: "POST",
      headers: { authorization: `Bearer ${status.info.adminToken}` },
      signal: this.context.signal,
    });
    const body = (await res.json().catch(() => ({}))) as {
      url?: string;
      expiresAt?: string;
      message?: string;
    };
    if (res.status !== 201 || !body.url) {
      throw new CrabboxError(
        "provider_error",
        `the local stack gave no sign-in link (http ${res.status}${body.message ? `: ${body.message}` : ""}); restart it with \`crabbox dev stop\` and \`crabbox dev\``,
      );
    }
    if (this.json)
      this.context.stdout.write(`${JSON.stringify({ url: body.url, expiresAt: body.expiresAt })}\n`);
    else this.context.stdout.write(`portal sign-in link (one use, until ${body.expiresAt}):\n${body.url}\n`);
    return 0;
  }
}
