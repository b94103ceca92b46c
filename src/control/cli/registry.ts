import type { CliCommand } from './command.js';
import { runCommand } from './run-command.js';
import { configCommand } from './config-command.js';
import { doctorCommand } from './doctor-command.js';
import { statusCommand } from './status-command.js';
import { updateCommand } from './update-command.js';
import { rollbackCommand } from './rollback-command.js';
import { logsCommand } from './logs-command.js';
import { backupsCommand } from './backups-command.js';
import { restoreCommand } from './restore-command.js';
import { historyCommand } from './history-command.js';

/** Every `molt` subcommand, in the order `molt --help` lists them. */
export const COMMANDS: CliCommand[] = [runCommand, configCommand, doctorCommand, statusCommand, updateCommand, rollbackCommand, logsCommand, backupsCommand, restoreCommand, historyCommand];
