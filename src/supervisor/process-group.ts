import { readdirSync, readFileSync } from 'node:fs';

/** One /proc/<pid>/stat line, the fields molt needs. */
export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  pgrp: number;
}

/** Parses /proc/<pid>/stat; `comm` may contain spaces and parentheses, so split after the last ')'. */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const rest = text.slice(close + 2).split(' ');
  const pid = Number(text.slice(0, open).trim());
  const ppid = Number(rest[1]);
  const pgrp = Number(rest[2]);
  if (!Number.isInteger(pid) || !rest[0] || !Number.isInteger(ppid) || !Number.isInteger(pgrp)) return undefined;
  return { pid, comm: text.slice(open + 1, close), state: rest[0], ppid, pgrp };
}

/** Every process /proc shows, or undefined when /proc is missing or belongs to another PID namespace. */
export function listProcesses(procDir = '/proc'): ProcStat[] | undefined {
  try {
    const self = parseProcStat(readFileSync(`${procDir}/self/stat`, 'utf8'));
    if (!self || self.pid !== process.pid) return undefined; // /proc of another PID namespace: pids would not match
    const out: ProcStat[] = [];
    for (const name of readdirSync(procDir)) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const st = parseProcStat(readFileSync(`${procDir}/${name}/stat`, 'utf8'));
        if (st) out.push(st);
      } catch {
        /* exited while we looked */
      }
    }
    return out;
  } catch {
    return undefined;
  }
}

function killProbe(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Live (non-zombie) members of process group `pgid`. kill(-pgid, 0) also succeeds for zombies nobody reaps yet
 * (a Node PID 1 without tini never reaps orphans), so when /proc is ours the zombies are filtered out.
 * Returns [] when the group is gone, and [-1] (unknown pids, but alive) when /proc cannot tell.
 */
export function liveGroupMembers(pgid: number): number[] {
  if (pgid <= 0 || !killProbe(pgid)) return [];
  const procs = listProcesses();
  if (!procs) return [-1];
  return procs.filter((p) => p.pgrp === pgid && p.state !== 'Z' && p.state !== 'X').map((p) => p.pid);
}
