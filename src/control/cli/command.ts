/** A `molt <name>` subcommand. `run` returns the process exit code. */
export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  /** Longer help: options and exit codes. */
  help: string;
  run(args: string[], env: NodeJS.ProcessEnv): Promise<number>;
}

export function wantsHelp(args: string[]): boolean {
  const dd = args.indexOf('--');
  const head = dd === -1 ? args : args.slice(0, dd);
  return head.includes('--help') || head.includes('-h');
}
