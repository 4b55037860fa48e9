import { defineProvider } from '@cria/api';
import { type CodeScannerConfig, configSchema, sampleConfig } from './code-scanner-config.js';
import { CodeScannerSafety } from './code-scanner-safety.js';
import { configValidator } from '../generated/config-validator.js';

export { scanCode } from './code-scanner-engine.js';
export { guessLanguage, languageOfLabel, languageOfPath } from './code-scanner-language.js';
export { sourceViews, type SourceViews } from './code-scanner-lexer.js';
export { fencedBlocks, scanMessage, scanText, scanToolCallArguments, type FencedBlock } from './code-scanner-message.js';
export { CODE_RULES, shannonEntropy, type CodeRule, type RuleMatch } from './code-scanner-rules.js';
export type { CodeFinding, Language, ScannedLanguage, Severity } from './code-scanner-types.js';
export type { CodeScannerConfig } from './code-scanner-config.js';
export { CODE_SCANNER_SHIELDS, CodeScannerSafety, type PlacedFinding } from './code-scanner-safety.js';

/** `inline::code-scanner`: shields and moderations that find insecure code, as Llama Stack's provider of the same type. */
export default defineProvider<'safety', CodeScannerConfig>({
  api: 'safety',
  providerType: 'inline::code-scanner',
  description: "Finds insecure code (41 rules: injection, eval of input, weak crypto, hard-coded secrets, disabled TLS verification, unsafe deserialisation, path traversal) in messages and tool-call arguments; its shields are 'code-scanner' and 'code-shield'.",
  configSchema,
  configValidator,
  sampleConfig,
  create: (config) => new CodeScannerSafety(config),
});
