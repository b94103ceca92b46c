import { loadConfig } from '../../config/load.js';
import { VARS, type Config } from '../../config/schema.js';
import type { VarSpec } from '../../config/fields.js';
import { CHECKS, type Check, type CheckResult } from './checks.js';

const ENV_NAMES = Object.values(VARS).map((v) => (v as VarSpec<unknown>).env);

/**
 * Loads the config; when it is invalid, drops the offending variables (bounded retries) so the remaining checks can
 * still run on defaults — an admin sees every problem in one run instead of fixing them one at a time.
 */
export function configForDoctor(env: NodeJS.ProcessEnv): { result: CheckResult; config: Config | null } {
  const first = loadConfig(env);
  if (first.ok) return { result: { check: 'config', status: 'ok', detail: `valid (app dir ${first.config.appDir}, data dir ${first.config.dataDir})` }, config: first.config };
  const dropped = new Set<string>();
  let attempt: ReturnType<typeof loadConfig> = first;
  let copy: NodeJS.ProcessEnv = { ...env };
  for (let i = 0; i < 5 && !attempt.ok; i++) {
    // Every variable a problem mentions (cross-checks name two, e.g. MOLT_ALLOWED_SIGNERS and MOLT_REQUIRE_SIGNED).
    for (const p of attempt.problems) for (const name of ENV_NAMES) if (new RegExp(`\\b${name}\\b`).test(p)) dropped.add(name);
    copy = Object.fromEntries(Object.entries(env).filter(([k]) => !dropped.has(k)));
    attempt = loadConfig(copy);
  }
  return {
    result: {
      check: 'config',
      status: 'fail',
      detail: first.problems.join('; '),
      fix: `fix the variable(s) above (\`molt config\` lists every setting)${attempt.ok ? `; the checks below use defaults for ${[...dropped].join(', ')}` : ''}`,
    },
    config: attempt.ok ? attempt.config : null,
  };
}

/** Runs every check; one failing or throwing check never stops the others. */
export async function runDoctor(env: NodeJS.ProcessEnv, opts: { timeoutMs: number; checks?: Check[]; onResult?: (r: CheckResult) => void }): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const emit = (r: CheckResult) => {
    results.push(r);
    opts.onResult?.(r);
  };
  const { result, config } = configForDoctor(env);
  emit(result);
  if (!config) return results;
  for (const check of opts.checks ?? CHECKS) {
    try {
      emit(await check({ config, env, timeoutMs: opts.timeoutMs }));
    } catch (err) {
      emit({ check: check.title, status: 'fail', detail: `the check itself failed: ${(err as Error).stack ?? String(err)}`, fix: 'report this as a molt bug' });
    }
  }
  return results;
}
