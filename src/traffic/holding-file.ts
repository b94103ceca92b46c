import { readFile } from 'node:fs/promises';
import { MoltError } from '../core/errors.js';

/**
 * Reads MOLT_HOLDING_PAGE once at startup so a bad path fails the start (exit 78) instead of the first update.
 * Returns undefined when the variable is unset (the built-in page is used).
 */
export async function loadHoldingPage(path: string | undefined): Promise<string | undefined> {
  if (path === undefined) return undefined;
  let html: string;
  try {
    html = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new MoltError('MOLT_E_CONFIG', `MOLT_HOLDING_PAGE=${path}: cannot read the file (${code}): expected a readable HTML file`, { cause: err, context: { variable: 'MOLT_HOLDING_PAGE', path } });
  }
  if (!html.trim()) {
    throw new MoltError('MOLT_E_CONFIG', `MOLT_HOLDING_PAGE=${path}: the file is empty: expected an HTML document`, { context: { variable: 'MOLT_HOLDING_PAGE', path } });
  }
  return html;
}
