import { execa } from 'execa';
import { access, constants, mkdtemp, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MoltError } from '../core/errors.js';

export interface VerifyCommitOptions {
  appDir: string;
  /** Full commit id (40 or 64 hex); must already be present in appDir's object store. */
  sha: string;
  /** SSH allowed-signers file, a GPG keyring file (.gpg/.kbx/.asc) or a GnuPG home directory. */
  allowedSigners: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export type SignerKind = 'ssh' | 'gpg-keyring' | 'gpg-home';

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/** SSH allowed-signers unless the path looks like a GPG keyring or is a directory (a GnuPG home). */
export async function signerKind(path: string): Promise<SignerKind> {
  const s = await stat(path).catch(() => null);
  if (s?.isDirectory()) return 'gpg-home';
  return /\.(gpg|kbx|asc)$/i.test(path) ? 'gpg-keyring' : 'ssh';
}

function refuse(sha: string, reason: string, message: string, extra: Record<string, unknown> = {}, cause?: unknown): MoltError {
  return new MoltError('MOLT_E_UNSIGNED', message, { cause, context: { sha, reason, ...extra } });
}

/**
 * Verifies the signature of commit `sha` with `git verify-commit` against the configured trust root, before the
 * engine checks it out. Resolves with the signer (SSH principal or GPG user id); throws MOLT_E_UNSIGNED otherwise.
 */
export async function verifyCommitSignature(opts: VerifyCommitOptions): Promise<{ signer: string }> {
  const { sha } = opts;
  if (!SHA.test(sha)) throw refuse(sha, 'invalid_sha', `cannot verify ${JSON.stringify(sha.slice(0, 80))}: expected a full 40- or 64-character hex commit id`);
  const signers = resolve(opts.appDir, opts.allowedSigners);
  try {
    await access(signers, constants.R_OK);
  } catch (err) {
    throw refuse(sha, 'signers_missing', `MOLT_ALLOWED_SIGNERS=${signers} is missing or unreadable: create the allowed-signers file (or GPG keyring) or unset MOLT_REQUIRE_SIGNED`, { allowedSigners: signers }, err);
  }
  const present = await execa('git', ['cat-file', '-e', `${sha}^{commit}`], { cwd: opts.appDir, reject: false, stdin: 'ignore', timeout: 10_000 });
  if (present.exitCode !== 0) throw refuse(sha, 'not_a_commit', `cannot verify ${sha.slice(0, 7)}: no such commit in ${opts.appDir} (fetch it first)`);
  const kind = await signerKind(signers);
  let tmp: string | undefined;
  const gitArgs: string[] = [];
  const env: Record<string, string> = { GIT_TERMINAL_PROMPT: '0' };
  try {
    if (kind === 'ssh') {
      gitArgs.push('-c', 'gpg.format=ssh', '-c', `gpg.ssh.allowedSignersFile=${signers}`);
    } else {
      gitArgs.push('-c', 'gpg.format=openpgp');
      if (kind === 'gpg-home') env.GNUPGHOME = signers;
      else {
        // git cannot pass --keyring itself, so gpg.program points at a two-line wrapper; a private GNUPGHOME keeps the
        // host's keys out of the decision.
        tmp = await mkdtemp(join(tmpdir(), 'molt-gpg-'));
        await chmod(tmp, 0o700);
        const wrapper = join(tmp, 'gpg-keyring.sh');
        await writeFile(wrapper, '#!/bin/sh\nexec gpg --no-default-keyring --keyring "$MOLT_GPG_KEYRING" "$@"\n', { mode: 0o700 });
        env.GNUPGHOME = tmp;
        env.MOLT_GPG_KEYRING = signers;
        gitArgs.push('-c', `gpg.program=${wrapper}`);
      }
    }
    const r = await execa('git', [...gitArgs, 'verify-commit', '--end-of-options', sha], {
      cwd: opts.appDir,
      env,
      reject: false,
      stdin: 'ignore',
      timeout: opts.timeoutMs ?? 30_000,
      cancelSignal: opts.signal,
    });
    const out = `${String(r.stdout)}\n${String(r.stderr)}`;
    if (r.isCanceled) throw new MoltError('MOLT_E_ABORTED', `signature check of ${sha.slice(0, 7)} aborted`, { context: { sha } });
    if (r.exitCode === 0) return { signer: signerFrom(out) ?? 'unknown' };
    throw refuse(sha, classify(out), explain(sha, classify(out), signers, out), { allowedSigners: signers, kind, output: tail(out) });
  } finally {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }
}

function tail(out: string): string[] {
  return out.split('\n').map((l) => l.trim()).filter(Boolean).slice(-6);
}

function signerFrom(out: string): string | undefined {
  const ssh = /Good "git" signature for (\S+) with/.exec(out);
  if (ssh) return ssh[1];
  const gpg = /Good signature from "([^"]+)"/.exec(out);
  return gpg?.[1];
}

type Reason = 'not_a_commit' | 'no_signature' | 'unknown_signer' | 'bad_signature';

function classify(out: string): Reason {
  if (/bad object|not a valid|unknown revision|cannot verify a non-commit|could not get object|unable to read/i.test(out)) return 'not_a_commit';
  if (/No principal matched|public key not found|No public key|Can't check signature|not found in allowed signers|Could not verify signature/i.test(out)) {
    return /BAD signature|Signature verification failed/i.test(out) ? 'bad_signature' : 'unknown_signer';
  }
  if (/BAD signature|Signature verification failed|incorrect signature/i.test(out)) return 'bad_signature';
  return 'no_signature';
}

function explain(sha: string, reason: Reason, signers: string, out: string): string {
  const short = sha.slice(0, 7);
  switch (reason) {
    case 'not_a_commit':
      return `cannot verify ${short}: the commit is not in the local repository (fetch it first)`;
    case 'no_signature':
      return `commit ${short} is not signed; MOLT_REQUIRE_SIGNED=1 refuses it — sign the commit (git commit -S) and push again`;
    case 'unknown_signer':
      return `commit ${short} is signed by a key that is not in ${signers}; add the signer's public key there or re-sign with an allowed key (${tail(out).slice(-1)[0] ?? ''})`;
    case 'bad_signature':
      return `commit ${short} has a signature that does not verify (tampered or corrupt); do not deploy it`;
  }
}
