import { createHash, randomBytes } from 'node:crypto';

/** A `WWW-Authenticate: Digest …` challenge's parameters. */
export interface DigestChallenge {
  realm: string;
  nonce: string;
  qop?: string;
  opaque?: string;
  algorithm: string;
}

/** The Digest challenge of a `WWW-Authenticate` header, or undefined when it offers none. */
export function parseDigestChallenge(header: string | null): DigestChallenge | undefined {
  const at = header?.search(/\bDigest\s/i) ?? -1;
  if (!header || at < 0) return undefined;
  const parameters: Record<string, string> = {};
  for (const match of header.slice(at + 7).matchAll(/([A-Za-z-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) {
    parameters[match[1]!.toLowerCase()] = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3]!;
  }
  if (parameters.realm === undefined || !parameters.nonce) return undefined;
  return { realm: parameters.realm, nonce: parameters.nonce, qop: parameters.qop, opaque: parameters.opaque, algorithm: parameters.algorithm ?? 'MD5' };
}

/**
 * The `Authorization` header answering a Digest challenge (RFC 7616): MD5 or SHA-256, their
 * `-sess` variants, `qop=auth` when offered (RFC 2069's form otherwise). `nc` counts the uses of
 * the challenge's nonce.
 */
export function digestAuthorization(challenge: DigestChallenge, credentials: { username: string; password: string }, method: string, uri: string, nc: number, cnonce = randomBytes(16).toString('hex')): string {
  const algorithm = challenge.algorithm.toUpperCase();
  const hashName = algorithm.startsWith('SHA-256') ? 'sha256' : 'md5';
  const hash = (text: string) => createHash(hashName).update(text, 'utf8').digest('hex');
  let ha1 = hash(`${credentials.username}:${challenge.realm}:${credentials.password}`);
  if (algorithm.endsWith('-SESS')) ha1 = hash(`${ha1}:${challenge.nonce}:${cnonce}`);
  const ha2 = hash(`${method}:${uri}`);
  const qop = challenge.qop?.split(',').map((each) => each.trim()).includes('auth') ? 'auth' : undefined;
  const count = nc.toString(16).padStart(8, '0');
  const response = qop ? hash(`${ha1}:${challenge.nonce}:${count}:${cnonce}:${qop}:${ha2}`) : hash(`${ha1}:${challenge.nonce}:${ha2}`);
  const quote = (text: string) => `"${text.replace(/["\\]/g, '\\$&')}"`;
  return [
    `Digest username=${quote(credentials.username)}`,
    `realm=${quote(challenge.realm)}`,
    `nonce=${quote(challenge.nonce)}`,
    `uri=${quote(uri)}`,
    `algorithm=${challenge.algorithm}`,
    `response=${quote(response)}`,
    ...(challenge.opaque !== undefined ? [`opaque=${quote(challenge.opaque)}`] : []),
    ...(qop ? [`qop=${qop}`, `nc=${count}`, `cnonce=${quote(cnonce)}`] : []),
  ].join(', ');
}
