import type { CliCommand } from './command.js';
import { runCommand } from './run-command.js';
import { configCommand } from './config-command.js';

/** Every `molt` subcommand, in the order `molt --help` lists them. */
export const COMMANDS: CliCommand[] = [runCommand, configCommand];
