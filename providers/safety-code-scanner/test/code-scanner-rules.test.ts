import { describe, expect, it } from 'vitest';
import { CODE_RULES, scanCode, shannonEntropy } from '../src/index.js';
import { RULE_SAMPLES } from './code-scanner-rule-samples.js';

describe('the rule table', () => {
  it('has unique ids of the form <language or class>.<name>, a CWE and a description for every rule', () => {
    const ids = CODE_RULES.map((rule) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of CODE_RULES) {
      expect(rule.id).toMatch(/^(?:python|javascript|java|go|c|secrets)\.[a-z0-9-]+$/);
      expect(rule.cwe).toMatch(/^CWE-\d+$/);
      expect(rule.description.length).toBeGreaterThan(10);
      expect(rule.triggers.length).toBeGreaterThan(0);
    }
  });

  it('has a positive and a negative sample for every rule, and no sample for a rule that does not exist', () => {
    const ids = new Set(CODE_RULES.map((rule) => rule.id));
    const missing = [...ids].filter((id) => !RULE_SAMPLES[id] || RULE_SAMPLES[id].positive.length === 0 || RULE_SAMPLES[id].negative.length === 0);
    expect(missing).toEqual([]);
    expect(Object.keys(RULE_SAMPLES).filter((id) => !ids.has(id))).toEqual([]);
  });

  it('covers each vulnerability class with its CWE', () => {
    const cwes = new Set(CODE_RULES.map((rule) => rule.cwe));
    for (const cwe of ['CWE-95', 'CWE-78', 'CWE-89', 'CWE-327', 'CWE-328', 'CWE-798', 'CWE-295', 'CWE-502', 'CWE-22']) expect(cwes).toContain(cwe);
  });

  it('only triggers on a source containing one of its triggers (the prefilter never hides a match)', () => {
    for (const [id, samples] of Object.entries(RULE_SAMPLES)) {
      const rule = CODE_RULES.find((candidate) => candidate.id === id)!;
      for (const sample of samples.positive) expect(rule.triggers.some((trigger) => sample.code.includes(trigger)), `${id}: ${sample.code}`).toBe(true);
    }
  });
});

describe.each(CODE_RULES.map((rule) => [rule.id, rule] as const))('%s', (id, rule) => {
  const samples = RULE_SAMPLES[id] ?? { positive: [], negative: [] };

  it.each(samples.positive.map((sample) => [sample.language, sample.code] as const))('flags %s: %s', (language, code) => {
    const findings = scanCode(code, language).filter((finding) => finding.rule_id === id);
    expect(findings.length).toBeGreaterThan(0);
    expect(findings[0]).toMatchObject({ severity: rule.severity, cwe: rule.cwe, message: rule.description, language });
    expect(findings[0]!.line).toBeGreaterThan(0);
  });

  it.each(samples.negative.map((sample) => [sample.language, sample.code] as const))('passes %s: %s', (language, code) => {
    expect(scanCode(code, language).filter((finding) => finding.rule_id === id)).toEqual([]);
  });
});

describe('shannonEntropy', () => {
  it('is 0 for one repeated character and log2(n) for n distinct ones', () => {
    expect(shannonEntropy('aaaa')).toBe(0);
    expect(shannonEntropy('abcd')).toBe(2);
  });
});

describe('the README', () => {
  it('documents every rule with its languages, severity and CWE, as the table has them', async () => {
    const { readFile } = await import('node:fs/promises');
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const names: Record<string, string> = { python: 'Python', javascript: 'JavaScript', typescript: 'TypeScript', java: 'Java', go: 'Go', c: 'C' };
    const documented = readme.split('\n').filter((line) => line.startsWith('| `'));
    expect(documented).toEqual(
      CODE_RULES.map((rule) => `| \`${rule.id}\` | ${rule.languages === 'all' ? 'all' : rule.languages.map((language) => names[language]).join(', ')} | ${rule.severity} | ${rule.cwe} | ${rule.description} |`),
    );
  });
});
