/** Entry point of the `crabbox` command line; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  if (argv[0] === "--version" || argv[0] === "version") {
    process.stdout.write("crabbox 0.1.0\n");
    return 0;
  }
  process.stderr.write("crabbox: the command line is being assembled; only `crabbox --version` works yet\n");
  return 2;
}
