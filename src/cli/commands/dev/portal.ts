import { CrabboxError } from "../../../errors";
import { localStackStatus } from "../../../stack/status";
import { cliClient } from "../../coordinator/connect";
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
    const client = cliClient({ baseUrl: status.info.url, token: status.info.adminToken });
    const link = await client.localPortalLink(this.context.signal).catch((error: unknown) => {
      throw new CrabboxError(
        "provider_error",
        `the local stack gave no sign-in link (${(error as Error).message}); restart it with \`crabbox dev stop\` and \`crabbox dev\``,
      );
    });
    if (this.json)
      this.context.stdout.write(`${JSON.stringify({ url: link.url, expiresAt: link.expiresAt })}\n`);
    else this.context.stdout.write(`portal sign-in link (one use, until ${link.expiresAt}):\n${link.url}\n`);
    return 0;
  }
}
