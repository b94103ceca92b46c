import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Installs PM2 for the bench only (bench/.work/pm2, git-ignored) and returns the pm2-runtime binary. */
export function pm2Runtime(root: string): string {
  const dir = join(root, 'bench', '.work', 'pm2');
  const bin = join(dir, 'node_modules', '.bin', 'pm2-runtime');
  if (!existsSync(bin)) {
    execFileSync('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '--loglevel=error', 'pm2@6'], { stdio: 'inherit' });
  }
  return bin;
}
