/** One parsed line of an SSH allowed-signers file (ssh-keygen(1) "ALLOWED SIGNERS"). */
export interface AllowedSigner {
  principals: string;
  keyType: string;
  line: number;
}

const KEY_TYPE = /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)(-cert-v01@openssh\.com)?$/;

/**
 * Parses `principals [options] keytype base64key [comment]` lines; returns the signers and the numbers of lines that
 * do not parse. Options may contain quoted spaces (namespaces="git,file"), hence the small tokenizer.
 */
export function parseAllowedSigners(text: string): { signers: AllowedSigner[]; badLines: number[] } {
  const signers: AllowedSigner[] = [];
  const badLines: number[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const tokens: string[] = line.match(/(?:[^\s"]+|"[^"]*")+/g) ?? [];
    const k = tokens.findIndex((t, idx) => idx > 0 && KEY_TYPE.test(t));
    const key = k === -1 ? undefined : tokens[k + 1];
    if (k === -1 || !key || !/^[A-Za-z0-9+/]+={0,3}$/.test(key) || k > 2) badLines.push(i + 1);
    else signers.push({ principals: tokens[0], keyType: tokens[k], line: i + 1 });
  });
  return { signers, badLines };
}
