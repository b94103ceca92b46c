import type { CliCommand } from './command.js';
import { AdminClient, CLIENT_EXIT, ClientExit, runClient } from './admin-client.js';
import { EXIT_CODES_HELP, parseFlags } from './status-command.js';
import type { LogLine } from '../../supervisor/supervisor.js';

const fmt = (l: LogLine) => `${new Date(l.time).toISOString().slice(11, 23)} ${l.source === 'app' ? 'app' : 'sup'} ${l.line}`;

export const logsCommand: CliCommand = {
  name: 'logs',
  summary: 'print recent app and supervisor log lines; -f follows',
  usage: 'molt logs [-f] [-n 200] [--source app|supervisor] [--json]',
  help: `Prints the last lines the supervisor kept (app output and supervisor events). -f keeps following until Ctrl-C.\n--json prints one JSON object per line ({time, source, stream, line}).\n${EXIT_CODES_HELP}`,
  run: (args, env) =>
    runClient('logs', async () => {
      const { values } = parseFlags(args, { follow: { type: 'boolean', short: 'f' }, lines: { type: 'string', short: 'n' }, source: { type: 'string' }, json: { type: 'boolean' } });
      const n = values.lines === undefined ? 200 : Number(values.lines);
      if (!Number.isInteger(n) || n < 1 || n > 2000) throw new ClientExit(CLIENT_EXIT.USAGE, `-n ${values.lines}: expected an integer from 1 to 2000`);
      const source = values.source as string | undefined;
      if (source !== undefined && source !== 'app' && source !== 'supervisor') throw new ClientExit(CLIENT_EXIT.USAGE, `--source ${source}: expected app or supervisor`);
      const client = await AdminClient.fromEnv(env);
      const out = (l: LogLine) => process.stdout.write((values.json ? JSON.stringify(l) : fmt(l)) + '\n');
      const path = `/api/logs?limit=${n}${source ? `&source=${source}` : ''}`;
      if (!values.follow) {
        (await client.get<LogLine[]>(path)).forEach(out);
        return 0;
      }
      // Subscribe first, then read the backlog: lines arriving in between are buffered and de-duplicated.
      const ac = new AbortController();
      const stop = () => ac.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      let buffered: LogLine[] | null = [];
      let opened!: () => void;
      const open = new Promise<void>((r) => (opened = r));
      const stream = client.events('?logs=1', (type, data) => {
        const l = data as LogLine & { type: string };
        if (type !== 'log_line' || (source && l.source !== source)) return;
        const line = { time: l.time, source: l.source, stream: l.stream, line: l.line };
        if (buffered) buffered.push(line);
        else out(line);
      }, ac.signal, () => opened());
      await Promise.race([open, stream]);
      const recent = await client.get<LogLine[]>(path);
      recent.forEach(out);
      const seen = new Set(recent.map((l) => `${l.time}\0${l.line}`));
      for (const l of buffered ?? []) if (!seen.has(`${l.time}\0${l.line}`)) out(l);
      buffered = null;
      await stream;
      return ac.signal.aborted ? 0 : CLIENT_EXIT.UNREACHABLE;
    }),
};
