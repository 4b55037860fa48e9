/** The languages the rules are written for. TypeScript shares JavaScript's rules. */
export type Language = 'python' | 'javascript' | 'typescript' | 'java' | 'go' | 'c';

/**
 * The language a finding was made in: one of the rule languages, or `other` for code in any other
 * language (a shell script, a YAML or .env file), where only the language-independent secret rules run.
 */
export type ScannedLanguage = Language | 'other';

export type Severity = 'low' | 'medium' | 'high' | 'critical';

/** One rule's match in a piece of code. */
export interface CodeFinding {
  /** The rule's id, `<language or class>.<name>`, e.g. `python.eval-input`. */
  rule_id: string;
  severity: Severity;
  /** The weakness, as `CWE-<n>`. */
  cwe: string;
  /** What is wrong, for a person. */
  message: string;
  language: ScannedLanguage;
  /**
   * 1-based line: in the message for `scanMessage`, in the string value for tool-call arguments,
   * in the source for `scanCode`.
   */
  line: number;
  /** 1-based column of the match's start on its line. */
  column?: number;
  /** The source line, trimmed and shortened; a secret's value is masked. */
  snippet: string;
  /** For tool-call arguments: the path of the string value the code was in, e.g. `files.0.content`. */
  argument?: string;
}
