import { describe, expect, it } from 'vitest';
import { fencedBlocks, guessLanguage, scanCode, scanMessage, scanText, scanToolCallArguments, sourceViews } from '../src/index.js';

const FENCE = '```';

describe('fencedBlocks', () => {
  it('finds backtick and tilde fences with their info strings and content start lines', () => {
    const text = ['Intro', `${FENCE}python`, 'a = 1', FENCE, 'Between', '~~~~ ts title="x.ts"', 'let b = 2;', '```', 'still ts', '~~~~', `${FENCE}`, 'x', FENCE].join('\n');
    const blocks = fencedBlocks(text);
    expect(blocks.map(({ language, info, code, startLine }) => ({ language, info, code, startLine }))).toEqual([
      { language: 'python', info: 'python', code: 'a = 1', startLine: 3 },
      { language: 'typescript', info: 'ts title="x.ts"', code: 'let b = 2;\n```\nstill ts', startLine: 7 },
      { language: undefined, info: '', code: 'x', startLine: 12 },
    ]);
  });

  it('runs an unclosed fence to the end of the text, and maps other labels to `other`', () => {
    expect(fencedBlocks(`${FENCE}bash\nrm -rf "$DIR"\n`)).toMatchObject([{ language: 'other', code: 'rm -rf "$DIR"\n' }]);
  });
});

describe('scanMessage', () => {
  it('reports lines of the message, only for code inside fences', () => {
    const text = [
      'Run os.system("rm " + path) to clean up.', // prose: not scanned
      '',
      `${FENCE}py`,
      'import os',
      '# os.system("rm " + path) in a comment',
      'os.system("rm -rf " + path)',
      FENCE,
      '',
      `${FENCE}go`,
      'cfg := &tls.Config{InsecureSkipVerify: true}',
      FENCE,
    ].join('\n');
    expect(scanMessage(text).map(({ rule_id, line, column, language, snippet }) => ({ rule_id, line, column, language, snippet }))).toEqual([
      { rule_id: 'python.os-system-injection', line: 6, column: 1, language: 'python', snippet: 'os.system("rm -rf " + path)' },
      { rule_id: 'go.tls-insecure-skip-verify', line: 10, column: 20, language: 'go', snippet: 'cfg := &tls.Config{InsecureSkipVerify: true}' },
    ]);
  });

  it('guesses the language of an unlabeled block', () => {
    const text = `${FENCE}\npackage main\n\nfunc main() {\n\tblock, err := des.NewCipher(key)\n\tif err != nil { panic(err) }\n}\n${FENCE}`;
    expect(scanMessage(text)).toMatchObject([{ rule_id: 'go.weak-cipher', language: 'go', line: 5 }]);
  });

  it('runs the secret rules on blocks in other languages, masking the secret in the snippet', () => {
    const findings = scanMessage(`${FENCE}yaml\naws:\n  access_key_id: AKIAQ4L2XR7ZB5NWD3YP\n${FENCE}`);
    expect(findings).toMatchObject([{ rule_id: 'secrets.aws-access-key', language: 'other', line: 3, severity: 'critical', cwe: 'CWE-798' }]);
    expect(findings[0]!.snippet).not.toContain('AKIAQ4L2XR7ZB5NWD3YP');
    expect(findings[0]!.snippet).toMatch(/^access_key_id: AKIA\*+$/);
  });
});

describe('scanToolCallArguments', () => {
  it('scans every string value, in the language of a sibling language field or file path, naming the argument', () => {
    const argumentsJson = JSON.stringify({
      files: [
        { path: 'src/db.py', content: 'def find(name):\n    return db.execute("SELECT * FROM users WHERE name = \'" + name + "\'")\n' },
        { path: 'README.md', content: 'Nothing to see here, only prose.' },
      ],
      snippet: { language: 'javascript', code: 'const agent = new https.Agent({ rejectUnauthorized: false });' },
    });
    expect(scanToolCallArguments(argumentsJson).map(({ rule_id, argument, line, language }) => ({ rule_id, argument, line, language }))).toEqual([
      { rule_id: 'python.sql-string-building', argument: 'files.0.content', line: 2, language: 'python' },
      { rule_id: 'javascript.tls-verify-disabled', argument: 'snippet.code', line: 1, language: 'javascript' },
    ]);
  });

  it('scans a string holding fenced blocks as a message, and guesses the language of bare code', () => {
    const argumentsJson = JSON.stringify({
      answer: `Use this:\n${FENCE}java\nMessageDigest md = MessageDigest.getInstance("MD5");\n${FENCE}`,
      script: 'import subprocess\n\ndef run(cmd):\n    subprocess.call(cmd, shell=True)\n',
    });
    expect(scanToolCallArguments(argumentsJson).map(({ rule_id, argument, line }) => ({ rule_id, argument, line }))).toEqual([
      { rule_id: 'java.weak-hash', argument: 'answer', line: 3 },
      { rule_id: 'python.subprocess-shell-true', argument: 'script', line: 4 },
    ]);
  });

  it('scans the string literals of arguments that are not valid JSON (a call cut short)', () => {
    const cutShort = JSON.stringify({ code: 'import os\n\ndef clean(path):\n    os.system("rm -rf " + path)\n' }).slice(0, -2);
    expect(scanToolCallArguments(cutShort)).toMatchObject([{ rule_id: 'python.os-system-injection', line: 4 }]);
  });
});

describe('comments and strings', () => {
  it('keep their offsets and lines when blanked', () => {
    const source = 'x = 1 # eval(a)\ns = "eval(b)"\n';
    const views = sourceViews(source, 'python');
    expect(views.text).toBe('x = 1          \ns = "eval(b)"\n');
    expect(views.code).toBe('x = 1          \ns = "       "\n');
  });

  it('are blanked per language: block comments, template literals keep their expressions, Go raw strings', () => {
    expect(sourceViews('/* eval(a)\n*/ f(`a ${eval(b)} c`)', 'javascript').code).toBe('          \n   f(`  ${eval(b)}  `)');
    expect(sourceViews('s := `a\n"b` // c', 'go').code).toBe('s := ` \n  `     ');
    expect(sourceViews('String s = """\nexec(x)\n""";', 'java').code).toBe('String s = """\n       \n""";');
  });

  it('keep offsets in sources beyond Latin-1 (emoji, CJK)', () => {
    const views = sourceViews('s = "🦙 日本" # 注释\nos.system(cmd)', 'python');
    expect(views.code).toBe(`s = "${' '.repeat('🦙 日本'.length)}" ${' '.repeat('# 注释'.length)}\nos.system(cmd)`);
    expect(scanCode('s = "🦙 日本" # 注释\nos.system(cmd)', 'python')).toMatchObject([{ rule_id: 'python.os-system-injection', line: 2, column: 1 }]);
  });

  it('do not set off code rules, in any language', () => {
    expect(scanCode('// Runtime.getRuntime().exec("ping " + host);\nString help = "Runtime.getRuntime().exec(\\"ping \\" + host)";', 'java')).toEqual([]);
    expect(scanCode('/* InsecureSkipVerify: true */\nmsg := "InsecureSkipVerify: true is unsafe"', 'go')).toEqual([]);
    expect(scanCode('// system(cmd);\nputs("system(cmd)");', 'c')).toEqual([]);
  });
});

describe('guessLanguage', () => {
  it.each([
    ['python', 'import os\n\ndef main():\n    print(os.getcwd())\n'],
    ['javascript', "const fs = require('fs');\nconsole.log(fs.readdirSync('.'));\n"],
    ['typescript', "import { readFile } from 'node:fs/promises';\nexport const load = async (path: string) => readFile(path, 'utf8');\n"],
    ['java', 'import java.util.List;\n\npublic class Main {\n  public static void main(String[] args) { System.out.println("hi"); }\n}\n'],
    ['go', 'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("hi")\n}\n'],
    ['c', '#include <stdio.h>\n\nint main(void) {\n  printf("hi\\n");\n  return 0;\n}\n'],
  ] as const)('recognises %s', (language, source) => {
    expect(guessLanguage(source)).toBe(language);
  });

  it('gives up on prose', () => {
    expect(guessLanguage('The quick brown fox jumps over the lazy dog.')).toBeUndefined();
  });
});

describe('scanText', () => {
  it('scans the fences of a message, else the whole text as bare code, else only the secret rules', () => {
    expect(scanText(`See:\n${FENCE}py\nos.system("rm -rf " + path)\n${FENCE}\nThen os.system("x " + y) in prose.`).map((finding) => [finding.rule_id, finding.line])).toEqual([['python.os-system-injection', 3]]);
    expect(scanText('import os\n\ndef ping(host):\n    os.system("ping -c 1 " + host)\n').map((finding) => [finding.rule_id, finding.language, finding.line])).toEqual([['python.os-system-injection', 'python', 4]]);
    expect(scanText('Run os.system("rm " + path) to clean up.')).toEqual([]);
    expect(scanText('my key is AKIAQ4L2XR7ZB5NWD3YP').map((finding) => [finding.rule_id, finding.language])).toEqual([['secrets.aws-access-key', 'other']]);
  });
});
