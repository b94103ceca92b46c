#!/usr/bin/env node
import './core/young-generation.js';
import './core/tick-shape.js';
import { COMMANDS } from './control/cli/registry.js';
import { wantsHelp } from './control/cli/command.js';

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'molt — self-update supervisor for containerised apps',
    '',
    'usage: molt <command> [options]',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `molt <command> --help` for the options of a command. Settings come from MOLT_* environment variables (README).',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 64;
  }
  if (name === '--version') {
    const { createRequire } = await import('node:module');
    process.stdout.write(`${(createRequire(import.meta.url)('../../package.json') as { version: string }).version}\n`);
    return 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`molt: unknown command "${name}"\n\n${usage()}\n`);
    return 64;
  }
  if (wantsHelp(rest)) {
    process.stdout.write(`usage: ${cmd.usage}\n\n${cmd.summary}\n\n${cmd.help}\n`);
    return 0;
  }
  return cmd.run(rest, process.env);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Let pending stdout writes flush, then exit even if handles (timers, sockets) remain.
    setImmediate(() => process.exit(code));
  },
  (err: unknown) => {
    process.stderr.write(`molt: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(70);
  },
);
