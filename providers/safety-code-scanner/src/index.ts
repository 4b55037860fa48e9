export { scanCode } from './code-scanner-engine.js';
export { guessLanguage, languageOfLabel, languageOfPath } from './code-scanner-language.js';
export { sourceViews, type SourceViews } from './code-scanner-lexer.js';
export { fencedBlocks, scanMessage, scanToolCallArguments, type FencedBlock } from './code-scanner-message.js';
export { CODE_RULES, shannonEntropy, type CodeRule, type RuleMatch } from './code-scanner-rules.js';
export type { CodeFinding, Language, ScannedLanguage, Severity } from './code-scanner-types.js';
