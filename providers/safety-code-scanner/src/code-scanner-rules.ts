import type { Language, Severity } from './code-scanner-types.js';

/** What a rule's `check` sees of one match. */
export interface RuleMatch {
  /** The regular expression's match, against the rule's view. */
  match: RegExpExecArray;
  /**
   * When the match ends at a call's `(`: the call's arguments (up to the balancing `)`), in the code
   * view (string contents blanked) or the text view (strings kept). Undefined when unbalanced.
   */
  callArguments(view?: 'code' | 'text'): string | undefined;
  /** The first of the call's arguments (up to the first top-level comma). */
  firstArgument(view?: 'code' | 'text'): string | undefined;
  /** The names assigned from untrusted input (request parameters, user input) in this source. */
  taintedNames(): ReadonlySet<string>;
  language: Language | 'other';
}

/** One insecure-code rule. */
export interface CodeRule {
  /** `<language or class>.<name>`, stable: policies and tests refer to it. */
  id: string;
  /** The languages it applies to; `all` for language-independent rules (secrets), which also run on code in other languages. */
  languages: readonly Language[] | 'all';
  severity: Severity;
  /** `CWE-<n>`. */
  cwe: string;
  /** What a finding of it means, for a person. */
  description: string;
  /**
   * Substrings of which at least one must be in the source for the rule to run: a cheap prefilter
   * that skips the regular expression on most sources.
   */
  triggers: readonly string[];
  /** Which view of the source the pattern is matched against (see `SourceViews`). */
  view: 'raw' | 'text' | 'code';
  /** The pattern (compiled with the `g` flag, plus `flags`). */
  pattern: string;
  flags?: string;
  /** A further check of a match; the match is a finding only when it returns true. */
  check?: (match: RuleMatch) => boolean;
  /** The capture group holding a secret, masked in the snippet. */
  secretGroup?: number;
}

const JS: readonly Language[] = ['javascript', 'typescript'];

/** One argument that is a plain string literal and nothing else (in the code view, where contents are blank). */
const PLAIN_LITERAL = /^\s*(?:[rRbBuU]{0,2}(?:"""[^"]*"""|'''[^']*'''|"[^"]*"|'[^']*')|`[^`$]*`)\s*$/;
const isPlainLiteral = (argument: string | undefined): boolean => argument !== undefined && PLAIN_LITERAL.test(argument);
/** True when the call's arguments are missing or are exactly one plain literal. */
const literalOnly = (call: RuleMatch): boolean => isPlainLiteral(call.callArguments() ?? '""');
/** Code joining strings with values: `+`, `%`/`.format` formatting, f-strings, `${}` templates, Sprintf/format calls. */
const BUILT_STRING = /\+|%|\.format\s*\(|\bf["']|\$\{|\bString\.format\s*\(|\bfmt\.Sprintf\s*\(|\.concat\s*\(|\bjoin\s*\(/;

/** Shannon entropy in bits per character. */
export function shannonEntropy(value: string): number {
  const counts = new Map<string, number>();
  for (const character of value) counts.set(character, (counts.get(character) ?? 0) + 1);
  let entropy = 0;
  for (const count of counts.values()) {
    const share = count / value.length;
    entropy -= share * Math.log2(share);
  }
  return entropy;
}

/** Values that stand for a secret rather than being one: `<token>`, `${TOKEN}`, `your-key-here`, `xxxx`, `%s`. */
const PLACEHOLDER = /^(?:[<{$%]|\*+$|x+$|\.\.\.|your[_-]|change[_-]?me$|example|dummy|test|fake|placeholder|redacted)|[\s]|(?:here|example|placeholder)$/i;

/** Request input, per language (for path traversal). */
export const UNTRUSTED_INPUT: Partial<Record<Language, RegExp>> = {
  python: /\brequest\.(?:args|form|values|files|json|GET|POST|FILES|query_params|path_params|cookies|headers|data)\b|\binput\s*\(|\bsys\.argv\b/,
  javascript: /\breq(?:uest)?\.(?:query|params|body|cookies|headers|url)\b|\bprocess\.argv\b/,
  typescript: /\breq(?:uest)?\.(?:query|params|body|cookies|headers|url)\b|\bprocess\.argv\b/,
  java: /\.get(?:Parameter|Header|QueryString|PathInfo|InputStream)\s*\(|@(?:RequestParam|PathVariable|RequestBody)\b/,
  go: /\.URL\.Query\s*\(|\.(?:FormValue|PostFormValue|Param|Query|DefaultQuery)\s*\(|\bmux\.Vars\s*\(|\bos\.Args\b/,
};
/** Calls that reduce a path to a file name, after which input cannot climb out of a directory. */
export const PATH_SANITISER = /\b(?:secure_filename|basename|getFileName|getName)\s*\(|\bfilepath\.Base\s*\(|\bpath\.Base\s*\(/;

function pathFromInput(call: RuleMatch): boolean {
  const code = call.callArguments('code');
  if (code === undefined || PATH_SANITISER.test(code)) return false;
  if (call.language !== 'other' && UNTRUSTED_INPUT[call.language]?.test(code)) return true;
  const tainted = call.taintedNames();
  if (tainted.size > 0 && code.split(/[^\w$]+/).some((word) => tainted.has(word))) return true;
  return (call.callArguments('text') ?? '').includes('../') && BUILT_STRING.test(code);
}

const SQL_STATEMENT = String.raw`\s*(?:SELECT\s[^\n"'\`]*?\bFROM\b|INSERT\s+INTO\b|UPDATE\s+[\w."\[\]]+\s+SET\b|DELETE\s+FROM\b|REPLACE\s+INTO\b|DROP\s+TABLE\b)`;
/** A double- or single-quoted string (in the text view) that starts as an SQL statement; `group` is its quote's capture group number. */
const sqlLiteral = (group: number): string => `(["'])${SQL_STATEMENT}(?:(?!\\${group})[^\\\\\\n]|\\\\.)*\\${group}`;

/**
 * The rule table. Patterns are matched against the whole source (not line by line) so that calls may
 * span lines; each is anchored on a distinctive token so matching stays linear.
 */
export const CODE_RULES: readonly CodeRule[] = [
  // Eval of input (CWE-95)
  {
    id: 'python.eval-input',
    languages: ['python'],
    severity: 'high',
    cwe: 'CWE-95',
    description: 'eval/exec of a non-literal expression runs whatever code the value holds',
    triggers: ['eval', 'exec'],
    view: 'code',
    pattern: String.raw`(?<![\w.])(?:eval|exec)\s*\(`,
    check: (call) => !literalOnly(call),
  },
  {
    id: 'javascript.eval-input',
    languages: JS,
    severity: 'high',
    cwe: 'CWE-95',
    description: 'eval, new Function or vm.run* of a non-literal string runs whatever code it holds',
    triggers: ['eval', 'Function', 'vm.run'],
    view: 'code',
    pattern: String.raw`(?<![\w$.])eval\s*\(|\bnew\s+Function\s*\(|\bvm\.run(?:InThisContext|InNewContext|InContext)\s*\(`,
    check: (call) => !literalOnly(call),
  },
  {
    id: 'java.script-engine-eval',
    languages: ['java'],
    severity: 'high',
    cwe: 'CWE-95',
    description: 'ScriptEngine.eval of a non-literal script runs whatever code it holds',
    triggers: ['ScriptEngine'],
    view: 'code',
    pattern: String.raw`\.eval\s*\(`,
    check: (call) => !literalOnly(call),
  },
  // Shell injection (CWE-78)
  {
    id: 'python.os-system-injection',
    languages: ['python'],
    severity: 'high',
    cwe: 'CWE-78',
    description: 'a shell command built from values (os.system, os.popen, subprocess.getoutput): shell injection',
    triggers: ['os.system', 'os.popen', 'getoutput', 'getstatusoutput'],
    view: 'code',
    pattern: String.raw`\bos\.(?:system|popen)\s*\(|\b(?:subprocess|commands)\.(?:getoutput|getstatusoutput)\s*\(`,
    check: (call) => !literalOnly(call),
  },
  {
    id: 'python.subprocess-shell-true',
    languages: ['python'],
    severity: 'high',
    cwe: 'CWE-78',
    description: 'subprocess with shell=True and a command that is not a literal: shell injection',
    triggers: ['shell'],
    view: 'code',
    pattern: String.raw`\bsubprocess\.(?:run|call|Popen|check_output|check_call)\s*\(`,
    check: (call) => /\bshell\s*=\s*True\b/.test(call.callArguments() ?? '') && !isPlainLiteral(call.firstArgument()),
  },
  {
    id: 'javascript.child-process-exec-injection',
    languages: JS,
    severity: 'high',
    cwe: 'CWE-78',
    description: 'child_process.exec/execSync of a command built by a template or concatenation: shell injection',
    triggers: ['exec'],
    view: 'code',
    pattern: String.raw`(?:(?<![\w$.])|\b(?:child_process|childProcess|cp)\.)(?:exec|execSync)\s*\(`,
    check: (call) => /\$\{|\+/.test(call.firstArgument() ?? ''),
  },
  {
    id: 'java.runtime-exec-injection',
    languages: ['java'],
    severity: 'high',
    cwe: 'CWE-78',
    description: 'Runtime.exec or ProcessBuilder with a command built by concatenation or formatting: command injection',
    triggers: ['exec', 'ProcessBuilder'],
    view: 'code',
    pattern: String.raw`\bgetRuntime\s*\(\s*\)\s*\.exec\s*\(|\bnew\s+ProcessBuilder\s*\(`,
    check: (call) => /\+|\bString\.format\s*\(|\.concat\s*\(/.test(call.callArguments() ?? ''),
  },
  {
    id: 'go.exec-command-shell',
    languages: ['go'],
    severity: 'high',
    cwe: 'CWE-78',
    description: 'exec.Command("sh", "-c", ...) with a command that is not a literal: shell injection',
    triggers: ['exec.Command'],
    view: 'code',
    pattern: String.raw`\bexec\.Command(?:Context)?\s*\(`,
    check: (call) => {
      const text = call.callArguments('text') ?? '';
      const shell = /^\s*(?:\w+\s*,\s*)?"(?:\/usr)?(?:\/bin\/)?(?:ba|z|da)?sh"\s*,\s*"-c"\s*,([\s\S]*)$/.exec(text);
      return shell !== null && !/^\s*"[^"\\]*"\s*,?\s*$/.test(shell[1]!);
    },
  },
  {
    id: 'c.system-injection',
    languages: ['c'],
    severity: 'high',
    cwe: 'CWE-78',
    description: 'system() or popen() of a command that is not a literal: shell injection',
    triggers: ['system', 'popen'],
    view: 'code',
    pattern: String.raw`(?<![\w.>])(?:system|popen)\s*\(`,
    check: (call) => !isPlainLiteral(call.firstArgument()),
  },
  // SQL built from strings (CWE-89)
  {
    id: 'python.sql-string-building',
    languages: ['python'],
    severity: 'high',
    cwe: 'CWE-89',
    description: 'an SQL statement built by concatenation, % or .format() formatting, or an f-string: SQL injection; pass parameters instead',
    triggers: ['SELECT', 'select', 'INSERT', 'insert', 'UPDATE', 'update', 'DELETE', 'delete', 'REPLACE', 'replace', 'DROP', 'drop'],
    view: 'text',
    pattern: String.raw`\b[fF][rR]?(["'])${SQL_STATEMENT}[^\n]*?\{|${sqlLiteral(2)}\s*(?:\+\s*(?!["'])|%\s*[\w(]|\.format\s*\()`,
    flags: 'i',
  },
  {
    id: 'javascript.sql-string-building',
    languages: JS,
    severity: 'high',
    cwe: 'CWE-89',
    description: 'an SQL statement built by concatenation or a template literal: SQL injection; use placeholders',
    triggers: ['SELECT', 'select', 'INSERT', 'insert', 'UPDATE', 'update', 'DELETE', 'delete', 'REPLACE', 'replace', 'DROP', 'drop'],
    view: 'text',
    pattern: String.raw`\`${SQL_STATEMENT}[^\`]*?\$\{|${sqlLiteral(1)}\s*\+\s*(?!["'\`])`,
    flags: 'i',
  },
  {
    id: 'java.sql-string-building',
    languages: ['java'],
    severity: 'high',
    cwe: 'CWE-89',
    description: 'an SQL statement built by concatenation or String.format: SQL injection; use a PreparedStatement with parameters',
    triggers: ['SELECT', 'select', 'INSERT', 'insert', 'UPDATE', 'update', 'DELETE', 'delete', 'REPLACE', 'replace', 'DROP', 'drop'],
    view: 'text',
    pattern: String.raw`\bString\.format\s*\(\s*${sqlLiteral(1)}\s*,|${sqlLiteral(2)}\s*\+\s*(?!")`,
    flags: 'i',
  },
  {
    id: 'go.sql-string-building',
    languages: ['go'],
    severity: 'high',
    cwe: 'CWE-89',
    description: 'an SQL statement built by concatenation or fmt.Sprintf: SQL injection; pass arguments to Query/Exec instead',
    triggers: ['SELECT', 'select', 'INSERT', 'insert', 'UPDATE', 'update', 'DELETE', 'delete', 'REPLACE', 'replace', 'DROP', 'drop'],
    view: 'text',
    pattern: String.raw`\bfmt\.Sprintf\s*\(\s*${sqlLiteral(1)}\s*,|${sqlLiteral(2)}\s*\+\s*(?!["\`])`,
    flags: 'i',
  },
  {
    id: 'c.sql-string-building',
    languages: ['c'],
    severity: 'high',
    cwe: 'CWE-89',
    description: 'an SQL statement built with sprintf/snprintf/strcat: SQL injection; bind parameters instead',
    triggers: ['SELECT', 'select', 'INSERT', 'insert', 'UPDATE', 'update', 'DELETE', 'delete', 'REPLACE', 'replace', 'DROP', 'drop'],
    view: 'text',
    pattern: String.raw`\b(?:sprintf|snprintf|asprintf)\s*\([^;"]*?${sqlLiteral(1)}\s*,|\bstrn?cat\s*\([^;"]*?${sqlLiteral(2)}`,
    flags: 'i',
  },
  // Weak hashes (CWE-328) and ciphers (CWE-327)
  {
    id: 'python.weak-hash',
    languages: ['python'],
    severity: 'medium',
    cwe: 'CWE-328',
    description: 'MD5 or SHA-1 is broken for security uses (passwords, signatures, integrity); use SHA-256 or better (or pass usedforsecurity=False)',
    triggers: ['md5', 'sha1', 'MD5', 'SHA1'],
    view: 'text',
    pattern: String.raw`\bhashlib\.(?:md5|sha1)\s*\(|\bhashlib\.new\s*\(\s*["'](?:md5|sha1)["']|\b(?:MD5|SHA1?)\.new\s*\(|\bhashes\.(?:MD5|SHA1)\s*\(`,
    check: (call) => !/\busedforsecurity\s*=\s*False\b/.test(call.callArguments() ?? ''),
  },
  {
    id: 'python.weak-cipher',
    languages: ['python'],
    severity: 'high',
    cwe: 'CWE-327',
    description: 'DES, 3DES, RC4, Blowfish or ECB mode is a broken cipher choice; use AES-GCM or ChaCha20-Poly1305',
    triggers: ['DES', 'ARC4', 'ARC2', 'Blowfish', 'ECB'],
    view: 'code',
    pattern: String.raw`\b(?:DES3?|ARC4|ARC2|Blowfish)\.new\s*\(|\bMODE_ECB\b|\balgorithms\.(?:TripleDES|ARC4|Blowfish|CAST5|IDEA)\s*\(|\bmodes\.ECB\s*\(`,
  },
  {
    id: 'javascript.weak-hash',
    languages: JS,
    severity: 'medium',
    cwe: 'CWE-328',
    description: 'MD5 or SHA-1 is broken for security uses; use SHA-256 or better',
    triggers: ['createHash', 'createHmac'],
    view: 'text',
    pattern: String.raw`\bcreate(?:Hash|Hmac)\s*\(\s*["'\`](?:md5|md4|sha1)["'\`]`,
    flags: 'i',
  },
  {
    id: 'javascript.weak-cipher',
    languages: JS,
    severity: 'high',
    cwe: 'CWE-327',
    description: 'DES, 3DES, RC4, Blowfish or ECB mode is a broken cipher choice; use aes-256-gcm',
    triggers: ['createCipher', 'createDecipher'],
    view: 'text',
    pattern: String.raw`\bcreate(?:Cipher|Decipher)(?:iv)?\s*\(\s*["'\`](?:des|rc4|rc2|bf|blowfish|[\w-]*-ecb\b)[\w-]*["'\`]`,
    flags: 'i',
  },
  {
    id: 'java.weak-hash',
    languages: ['java'],
    severity: 'medium',
    cwe: 'CWE-328',
    description: 'MD5 or SHA-1 is broken for security uses; use SHA-256 or better',
    triggers: ['MessageDigest'],
    view: 'text',
    pattern: String.raw`\bMessageDigest\.getInstance\s*\(\s*"(?:MD5|MD2|SHA-?1|SHA)"`,
    flags: 'i',
  },
  {
    id: 'java.weak-cipher',
    languages: ['java'],
    severity: 'high',
    cwe: 'CWE-327',
    description: 'DES, 3DES, RC4, Blowfish or ECB mode (also plain "AES", which means AES/ECB) is a broken cipher choice; use AES/GCM/NoPadding',
    triggers: ['Cipher.getInstance'],
    view: 'text',
    pattern: String.raw`\bCipher\.getInstance\s*\(\s*"(?:(?:DES|DESede|TripleDES|RC4|ARCFOUR|RC2|Blowfish)\b[^"]*|AES|[^"/]*\/ECB\/[^"]*)"`,
    flags: 'i',
  },
  {
    id: 'go.weak-hash',
    languages: ['go'],
    severity: 'medium',
    cwe: 'CWE-328',
    description: 'MD5 or SHA-1 is broken for security uses; use crypto/sha256 or better',
    triggers: ['md5.', 'sha1.'],
    view: 'code',
    pattern: String.raw`\b(?:md5|sha1)\.(?:New|Sum)\s*\(`,
  },
  {
    id: 'go.weak-cipher',
    languages: ['go'],
    severity: 'high',
    cwe: 'CWE-327',
    description: 'DES, 3DES or RC4 is a broken cipher; use AES-GCM (crypto/cipher.NewGCM) or chacha20poly1305',
    triggers: ['des.', 'rc4.'],
    view: 'code',
    pattern: String.raw`\bdes\.New(?:TripleDES)?Cipher\s*\(|\brc4\.NewCipher\s*\(`,
  },
  {
    id: 'c.weak-hash',
    languages: ['c'],
    severity: 'medium',
    cwe: 'CWE-328',
    description: 'MD4, MD5 or SHA-1 is broken for security uses; use SHA-256 or better',
    triggers: ['MD5', 'MD4', 'SHA1', 'md5', 'sha1'],
    view: 'code',
    pattern: String.raw`\b(?:MD[45]|SHA1)(?:_Init|_Update|_Final)?\s*\(|\bEVP_(?:md4|md5|sha1)\s*\(`,
  },
  {
    id: 'c.weak-cipher',
    languages: ['c'],
    severity: 'high',
    cwe: 'CWE-327',
    description: 'DES, 3DES, RC4, Blowfish or ECB mode is a broken cipher choice; use EVP_aes_256_gcm',
    triggers: ['EVP_', 'DES_', 'RC4'],
    view: 'code',
    pattern: String.raw`\bEVP_(?:des_\w+|rc4\w*|rc2_\w+|bf_\w+|aes_\d+_ecb)\s*\(|\bDES_(?:ecb\w*|ncbc_encrypt|set_key\w*)\s*\(|\bRC4(?:_set_key)?\s*\(`,
  },
  // Hard-coded secrets (CWE-798)
  {
    id: 'secrets.aws-access-key',
    languages: 'all',
    severity: 'critical',
    cwe: 'CWE-798',
    description: 'an AWS access key id in the source; keep credentials in the environment or a secret store',
    triggers: ['AKIA', 'ASIA'],
    view: 'raw',
    pattern: String.raw`\b((?:AKIA|ASIA)[0-9A-Z]{16})\b`,
    check: ({ match }) => !match[1]!.endsWith('EXAMPLE'),
    secretGroup: 1,
  },
  {
    id: 'secrets.private-key',
    languages: 'all',
    severity: 'critical',
    cwe: 'CWE-798',
    description: 'a private key in the source; keep keys out of code',
    triggers: ['PRIVATE KEY'],
    view: 'raw',
    pattern: String.raw`-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----`,
  },
  {
    id: 'secrets.hardcoded-password',
    languages: 'all',
    severity: 'high',
    cwe: 'CWE-798',
    description: 'a password assigned a string literal; read it from the environment or a secret store',
    triggers: ['ass', 'ASS', 'pwd', 'PWD'],
    view: 'text',
    pattern: String.raw`(?:passw(?:or)?d|\bpwd)\w*["']?\s*(?::=|=(?![=~])|:)\s*(["'])((?:(?!\1)[^\\\n])*)\1`,
    flags: 'i',
    check: ({ match }) => match[2]!.length >= 3 && !PLACEHOLDER.test(match[2]!),
    secretGroup: 2,
  },
  {
    id: 'secrets.generic-api-key',
    languages: 'all',
    severity: 'high',
    cwe: 'CWE-798',
    description: 'an API key, token or client secret assigned a high-entropy string literal; read it from the environment or a secret store',
    triggers: ['key', 'KEY', 'Key', 'token', 'TOKEN', 'Token', 'secret', 'SECRET', 'Secret'],
    view: 'text',
    pattern: String.raw`(?:api[_-]?key|secret[_-]?key|access[_-]?key|access[_-]?token|auth[_-]?token|client[_-]?secret|private[_-]?token|bearer[_-]?token)\w*["']?\s*(?::=|=(?![=~])|:)\s*(["'])([^"'\s\\]{16,})\1`,
    flags: 'i',
    check: ({ match }) => !PLACEHOLDER.test(match[2]!) && shannonEntropy(match[2]!) >= 3.5,
    secretGroup: 2,
  },
  // Disabled TLS verification (CWE-295)
  {
    id: 'python.tls-verify-disabled',
    languages: ['python'],
    severity: 'high',
    cwe: 'CWE-295',
    description: 'TLS certificate verification turned off (verify=False, CERT_NONE, an unverified context): anyone on the path can intercept',
    triggers: ['verify', 'CERT_NONE', '_create_unverified_context', 'check_hostname'],
    view: 'code',
    pattern: String.raw`\bverify\s*=\s*False\b|\bssl\._create_unverified_context\s*\(|\bcheck_hostname\s*=\s*False\b|\bCERT_NONE\b`,
  },
  {
    id: 'javascript.tls-verify-disabled',
    languages: JS,
    severity: 'high',
    cwe: 'CWE-295',
    description: 'TLS certificate verification turned off (rejectUnauthorized: false, NODE_TLS_REJECT_UNAUTHORIZED=0): anyone on the path can intercept',
    triggers: ['rejectUnauthorized', 'NODE_TLS_REJECT_UNAUTHORIZED'],
    view: 'text',
    pattern: String.raw`\brejectUnauthorized["']?\s*[:=]\s*(?:false|0)\b|\bNODE_TLS_REJECT_UNAUTHORIZED["']?\]?\s*=\s*["'\`]?0`,
  },
  {
    id: 'java.tls-trust-all',
    languages: ['java'],
    severity: 'high',
    cwe: 'CWE-295',
    description: 'a trust manager that accepts every certificate, or a hostname verifier that accepts every host: TLS verification is off',
    triggers: ['checkServerTrusted', 'HostnameVerifier', 'trustAll', 'TrustAll', 'ALLOW_ALL'],
    view: 'code',
    pattern: String.raw`\bcheckServerTrusted\s*\([^)]*\)\s*(?:throws\s+[\w.,\s]+)?\{\s*\}|\bNoopHostnameVerifier\b|\bALLOW_ALL_HOSTNAME_VERIFIER\b|\bsetHostnameVerifier\s*\(\s*\(\s*\w*\s*,\s*\w*\s*\)\s*->\s*true\b|\b[tT]rustAll\w*\s*=`,
  },
  {
    id: 'go.tls-insecure-skip-verify',
    languages: ['go'],
    severity: 'high',
    cwe: 'CWE-295',
    description: 'tls.Config{InsecureSkipVerify: true} turns off certificate verification',
    triggers: ['InsecureSkipVerify'],
    view: 'code',
    pattern: String.raw`\bInsecureSkipVerify\s*[:=]\s*true\b`,
  },
  {
    id: 'c.tls-verify-disabled',
    languages: ['c'],
    severity: 'high',
    cwe: 'CWE-295',
    description: 'TLS verification turned off (SSL_VERIFY_NONE, CURLOPT_SSL_VERIFYPEER/VERIFYHOST 0)',
    triggers: ['SSL_VERIFY_NONE', 'CURLOPT_SSL_VERIFY'],
    view: 'code',
    pattern: String.raw`\bSSL_CTX_set_verify\s*\([^,;]*,\s*SSL_VERIFY_NONE\b|\bCURLOPT_SSL_VERIFY(?:PEER|HOST)\s*,\s*0L?\s*\)`,
  },
  // Unsafe deserialisation (CWE-502)
  {
    id: 'python.pickle-load',
    languages: ['python'],
    severity: 'high',
    cwe: 'CWE-502',
    description: 'pickle/marshal/dill loading runs code from the data; never unpickle untrusted input',
    triggers: ['pickle', 'marshal', 'dill', 'Unpickler'],
    view: 'code',
    pattern: String.raw`\b(?:c?[pP]ickle|_pickle|dill|marshal)\.(?:loads?|Unpickler)\s*\(|\bjoblib\.load\s*\(`,
  },
  {
    id: 'python.yaml-unsafe-load',
    languages: ['python'],
    severity: 'high',
    cwe: 'CWE-502',
    description: 'yaml.load without SafeLoader (or yaml.unsafe_load) can build arbitrary objects; use yaml.safe_load',
    triggers: ['yaml.'],
    view: 'code',
    pattern: String.raw`\byaml\.(unsafe_load(?:_all)?|load(?:_all)?)\s*\(`,
    check: (call) => call.match[1]!.startsWith('unsafe') || !/\b(?:C?SafeLoader|BaseLoader)\b/.test(call.callArguments() ?? ''),
  },
  {
    id: 'javascript.unsafe-deserialization',
    languages: JS,
    severity: 'critical',
    cwe: 'CWE-502',
    description: 'node-serialize unserialize() runs functions embedded in the data (remote code execution)',
    triggers: ['unserialize'],
    view: 'code',
    pattern: String.raw`(?:(?<![\w$.])|\.)unserialize\s*\(`,
  },
  {
    id: 'java.object-input-stream',
    languages: ['java'],
    severity: 'high',
    cwe: 'CWE-502',
    description: 'ObjectInputStream.readObject (or XMLDecoder) on a stream builds arbitrary objects: gadget chains run code; use a data format or an ObjectInputFilter',
    triggers: ['ObjectInputStream', 'XMLDecoder'],
    view: 'code',
    pattern: String.raw`\.read(?:Object|Unshared)\s*\(\s*\)|\bnew\s+XMLDecoder\s*\(`,
  },
  // Path traversal (CWE-22)
  {
    id: 'python.path-traversal',
    languages: ['python'],
    severity: 'high',
    cwe: 'CWE-22',
    description: 'a file path from request input (or built with ../): the caller can read or write outside the intended directory',
    triggers: ['open', 'join', 'send_file'],
    view: 'code',
    pattern: String.raw`(?<![\w.])open\s*\(|\b(?:io|codecs)\.open\s*\(|\bos\.path\.join\s*\(|\bsend_file\s*\(|\bPath\s*\(`,
    check: pathFromInput,
  },
  {
    id: 'javascript.path-traversal',
    languages: JS,
    severity: 'high',
    cwe: 'CWE-22',
    description: 'a file path from request input (or built with ../): the caller can read or write outside the intended directory',
    triggers: ['File', 'Stream', 'path.', 'sendFile', 'download', 'unlink'],
    view: 'code',
    pattern: String.raw`\b(?:readFile|readFileSync|createReadStream|createWriteStream|writeFile|writeFileSync|appendFile|unlink|unlinkSync)\s*\(|\bpath\.(?:join|resolve)\s*\(|\b(?:sendFile|download)\s*\(`,
    check: pathFromInput,
  },
  {
    id: 'java.path-traversal',
    languages: ['java'],
    severity: 'high',
    cwe: 'CWE-22',
    description: 'a file path from request input (or built with ../): the caller can read or write outside the intended directory',
    triggers: ['File', 'Paths.get', 'Path.of'],
    view: 'code',
    pattern: String.raw`\bnew\s+(?:File|FileInputStream|FileReader|FileOutputStream|FileWriter|RandomAccessFile)\s*\(|\b(?:Paths\.get|Path\.of)\s*\(|\bFiles\.(?:readAllBytes|readString|readAllLines|newInputStream|newBufferedReader|lines|delete|write)\s*\(`,
    check: pathFromInput,
  },
  {
    id: 'go.path-traversal',
    languages: ['go'],
    severity: 'high',
    cwe: 'CWE-22',
    description: 'a file path from request input (or built with ../): the caller can read or write outside the intended directory',
    triggers: ['os.', 'ioutil.', 'Join', 'ServeFile'],
    view: 'code',
    pattern: String.raw`\b(?:os\.(?:Open|OpenFile|ReadFile|WriteFile|Create|Remove|RemoveAll)|ioutil\.(?:ReadFile|WriteFile)|filepath\.Join|path\.Join|http\.ServeFile)\s*\(`,
    check: pathFromInput,
  },
];
