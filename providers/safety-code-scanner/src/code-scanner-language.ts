import type { ScannedLanguage } from './code-scanner-types.js';

/** Fenced-block labels (and file extensions) of the rule languages; any other label is `other`. */
const LABELS: Readonly<Record<string, ScannedLanguage>> = {
  python: 'python', py: 'python', python3: 'python', py3: 'python', pyw: 'python', ipython: 'python', sage: 'python',
  javascript: 'javascript', js: 'javascript', jsx: 'javascript', mjs: 'javascript', cjs: 'javascript', node: 'javascript', nodejs: 'javascript',
  typescript: 'typescript', ts: 'typescript', tsx: 'typescript', mts: 'typescript', cts: 'typescript',
  java: 'java',
  go: 'go', golang: 'go',
  c: 'c', h: 'c', cpp: 'c', 'c++': 'c', cc: 'c', cxx: 'c', hpp: 'c', hh: 'c', objc: 'c', 'objective-c': 'c',
};

/** The language of a fenced block's info string (`python`, `ts title="x.ts"`, `{.go}`); undefined when it has none. */
export function languageOfLabel(info: string): ScannedLanguage | undefined {
  const label = /^[{.\s]*([\w+#-]*)/.exec(info.trim())![1]!.toLowerCase();
  if (!label) return undefined;
  return LABELS[label] ?? 'other';
}

/** The language of a file path by its extension; undefined when it has none of the rule languages. */
export function languageOfPath(path: string): ScannedLanguage | undefined {
  const extension = /\.([\w+]+)$/.exec(path)?.[1]?.toLowerCase();
  return extension === undefined ? undefined : LABELS[extension];
}

/** Clues per language, each worth one point; the language with most points (at least 2) wins. */
const CLUES: readonly (readonly [ScannedLanguage, RegExp])[] = [
  ['python', /^\s*def \w+\s*\(.*\)\s*(?:->.*)?:\s*$/m],
  ['python', /^\s*(?:from\s+[\w.]+\s+import\s|import\s+[\w.]+(?:\s+as\s+\w+)?\s*$)/m],
  ['python', /^\s*(?:elif\b|if __name__|print\(|with\s.*:\s*$|class \w+(?:\(.*\))?:\s*$)/m],
  ['python', /\bself\.\w+|\bNone\b|\bTrue\b|\bFalse\b/],
  ['go', /^package \w+\s*$/m],
  ['go', /^\s*func\s+(?:\(\w+ \*?\w+\)\s*)?\w+\s*\(/m],
  ['go', /:=|\bfmt\.\w+\(|\bimport \(/],
  ['go', /\berr != nil\b/],
  ['java', /\b(?:public|private|protected)\s+(?:static\s+)?(?:final\s+)?(?:class|interface|void|String|int)\b/],
  ['java', /^\s*import\s+(?:java|javax|org|com)\.[\w.*]+;\s*$/m],
  ['java', /\bSystem\.out\.|@Override\b|\bnew\s+\w+(?:<.*>)?\(.*\);|\bthrows\s+\w+/],
  ['c', /^\s*#\s*(?:include|define|ifndef)\b/m],
  ['c', /\bint\s+main\s*\(|\b(?:printf|malloc|free|fopen|strcpy|sprintf)\s*\(/],
  ['c', /\bchar\s*\*|->\w+|\b(?:struct|typedef|unsigned)\s/],
  ['javascript', /\b(?:const|let|var)\s+[\w${}\s,[\]]+\s*=|=>/],
  ['javascript', /\brequire\s*\(\s*["']|^\s*import\s.*\sfrom\s+["']|^\s*export\s/m],
  ['javascript', /\bconsole\.\w+\(|\bfunction\s*\w*\s*\(|\bawait\s|\bdocument\.|\bprocess\.env\b/],
];
const TYPESCRIPT = /:\s*(?:string|number|boolean|void|any|unknown|Promise<)\b|^\s*(?:export\s+)?(?:interface|type)\s+\w+|\bas\s+const\b/m;

/** A guess at the language of unlabeled code, from cheap textual clues; undefined when there are too few. */
export function guessLanguage(source: string): ScannedLanguage | undefined {
  const head = source.length > 1500 ? source.slice(0, 1500) : source;
  const scores = new Map<ScannedLanguage, number>();
  for (const [language, clue] of CLUES) if (clue.test(head)) scores.set(language, (scores.get(language) ?? 0) + 1);
  let best: ScannedLanguage | undefined;
  let bestScore = 1;
  for (const [language, score] of scores) {
    if (score > bestScore) {
      best = language;
      bestScore = score;
    }
  }
  if (best === 'javascript' && TYPESCRIPT.test(head)) return 'typescript';
  return best;
}
