import { userConfigPath, writeUserConfig } from "../config";
import { printJson } from "../output/print";
import { CrabboxCommand, jsonOption } from "./base";
import { Command } from "./clipanion";

export class LogoutCommand extends CrabboxCommand {
  static override paths = [["logout"]];
  static override usage = Command.Usage({
    description: "Forget the coordinator token (URL and admin token stay)",
  });
  json = jsonOption();

  async execute(): Promise<number> {
    const path = writeUserConfig({ broker: { token: null } }, this.env);
    if (this.json) printJson(this.context.stdout, { config: path, brokerAuth: "missing" });
    else this.out(`logged out config=${userConfigPath(this.env)} broker_auth=missing`);
    return 0;
  }
}
