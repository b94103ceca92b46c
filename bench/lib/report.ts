import { cpus, totalmem, release } from 'node:os';
import { mkdir, readFile, writeFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface Section {
  /** Stable id; RESULTS.md orders sections by it. */
  id: string;
  title: string;
  /** Markdown body: tables, notes, where the time goes when a target is missed. */
  body: string;
  measuredAt: string;
}

export function machine(): string {
  const c = cpus();
  return `${c[0]?.model ?? 'unknown CPU'} ×${c.length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${release()}, Node ${process.version}`;
}

export function table(head: string[], rows: (string | number)[][]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** Each bench writes its section as JSON; RESULTS.md is assembled from all sections so partial runs keep old rows. */
export async function saveSection(root: string, s: Omit<Section, 'measuredAt'>): Promise<void> {
  const dir = join(root, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `${s.id}.json`), JSON.stringify({ ...s, measuredAt: new Date().toISOString(), machine: machine() }, null, 2) + '\n');
}

export async function writeResults(root: string): Promise<string> {
  const dir = join(root, 'bench', 'results');
  const files = (await readdir(dir).catch(() => [])).filter((f) => f.endsWith('.json')).sort();
  const sections = await Promise.all(files.map(async (f) => JSON.parse(await readFile(join(dir, f), 'utf8')) as Section & { machine: string }));
  const md = [
    '# Benchmark results',
    '',
    'Produced by `npm run bench` (bounded, loopback only). Medians of ≥ 5 runs unless a row says otherwise; ratios are molt ÷ baseline',
    '(for times lower is better, for throughput higher is better). Each section states the machine and date it was measured on.',
    '',
    ...sections.flatMap((s) => [`## ${s.title}`, '', `_Measured ${s.measuredAt.slice(0, 16).replace('T', ' ')} UTC on ${s.machine}._`, '', s.body, '']),
  ].join('\n');
  await writeFile(join(root, 'bench', 'RESULTS.md'), md);
  return md;
}
