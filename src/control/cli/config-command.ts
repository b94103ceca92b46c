import type { CliCommand } from './command.js';
import { configMarkdown, loadConfig, EXIT_CONFIG } from '../../config/load.js';

export const configCommand: CliCommand = {
  name: 'config',
  summary: 'validate the configuration, or print the variable table',
  usage: 'molt config [--check | --markdown]',
  help: 'With --check (default) validates the environment and prints one line per problem (exit 78 on any, 64 for an unknown argument).\nWith --markdown prints the README table of every variable and its default.',
  async run(args, env) {
    const unknown = args.filter((a) => a !== '--check' && a !== '--markdown');
    if (unknown.length) {
      process.stderr.write(`molt config: unknown argument ${JSON.stringify(unknown[0])}: expected --check or --markdown\nusage: ${this.usage}\n`);
      return 64;
    }
    if (args.includes('--markdown')) {
      process.stdout.write(configMarkdown() + '\n');
      return 0;
    }
    const r = loadConfig(env);
    if (!r.ok) {
      for (const p of r.problems) process.stderr.write(`molt: config: ${p}\n`);
      return EXIT_CONFIG;
    }
    process.stdout.write('configuration ok\n');
    return 0;
  },
};
