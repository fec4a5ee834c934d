import { userConfigPath } from "../../config";
import { CrabboxCommand } from "../base";
import { Command } from "../clipanion";

export class ConfigPathCommand extends CrabboxCommand {
  static override paths = [["config", "path"]];
  static override usage = Command.Usage({ description: "Print the user config file path" });

  async execute(): Promise<number> {
    this.out(userConfigPath(this.env));
    return 0;
  }
}
