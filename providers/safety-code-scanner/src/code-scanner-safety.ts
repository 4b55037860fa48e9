import {
  type ChatMessage,
  InvalidRequestError,
  type ModerationInput,
  type ModerationResult,
  type RunShieldResponse,
  type SafetyProvider,
  type ShieldResource,
} from '@cria/api';
import type { CodeScannerConfig } from './code-scanner-config.js';
import { scanText, scanToolCallArguments } from './code-scanner-message.js';
import type { CodeFinding, Severity } from './code-scanner-types.js';

/** The shields (provider_resource_id) this provider runs, as Llama Stack's code scanner accepts them. */
export const CODE_SCANNER_SHIELDS: readonly string[] = ['code-scanner', 'code-shield'];

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { low: 0, medium: 1, high: 2, critical: 3 };

/** A finding of a conversation, placed: which message, and which tool call when it was in one's arguments. */
export interface PlacedFinding {
  rule_id: string;
  cwe: string;
  severity: Severity;
  line: number;
  /** The index of the message in the conversation. */
  message_index: number;
  /** The tool call whose arguments held the code. */
  tool_call_id?: string;
  /** The path of the argument's value, e.g. `files.0.content`. */
  argument?: string;
}

/** The text of a message's content: a string, or its text parts joined by newlines. */
function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const texts: string[] = [];
  for (const part of content as { type?: unknown; text?: unknown }[]) if (part?.type === 'text' && typeof part.text === 'string') texts.push(part.text);
  return texts.join('\n');
}

const unique = (values: readonly string[]): string[] => [...new Set(values)];

/**
 * `inline::code-scanner`, as Llama Stack's code scanner (which runs CodeShield) behaves, on Cria's
 * own rule engine: a shield finds insecure code in every message's text (its fenced blocks, or the
 * whole text when it is bare code) and in assistant tool calls' arguments.
 */
export class CodeScannerSafety implements SafetyProvider {
  private readonly minimumRank: number;

  constructor(config: CodeScannerConfig) {
    this.minimumRank = SEVERITY_RANK[config.min_severity];
  }

  async registerShield(shield: ShieldResource): Promise<void> {
    if (!CODE_SCANNER_SHIELDS.includes(shield.provider_resource_id)) {
      throw new InvalidRequestError(`inline::code-scanner cannot run '${shield.provider_resource_id}': its shields are ${CODE_SCANNER_SHIELDS.map((id) => `'${id}'`).join(', ')}.`, {
        param: 'provider_shield_id',
        code: 'unsupported_shield',
      });
    }
  }

  async runShield(_shield: ShieldResource, messages: readonly ChatMessage[]): Promise<RunShieldResponse> {
    const findings: PlacedFinding[] = [];
    const place = (found: CodeFinding[], message_index: number, tool_call_id?: string) => {
      for (const finding of found) {
        if (SEVERITY_RANK[finding.severity] < this.minimumRank) continue;
        findings.push({
          rule_id: finding.rule_id,
          cwe: finding.cwe,
          severity: finding.severity,
          line: finding.line,
          message_index,
          ...(tool_call_id === undefined ? {} : { tool_call_id }),
          ...(finding.argument === undefined ? {} : { argument: finding.argument }),
        });
      }
    };
    messages.forEach((message, index) => {
      const text = messageText(message.content);
      if (text) place(scanText(text), index);
      if (message.role === 'assistant') {
        for (const call of message.tool_calls ?? []) place(scanToolCallArguments(call.function.arguments), index, call.id);
        if (message.function_call) place(scanToolCallArguments(message.function_call.arguments), index);
      }
    });
    if (findings.length === 0) return { violation: null };
    const ruleIds = unique(findings.map((finding) => finding.rule_id));
    return {
      violation: {
        violation_level: 'error',
        user_message: 'Sorry, I found security concerns in the code.',
        metadata: { violation_type: ruleIds.join(','), categories: ruleIds, findings },
      },
    };
  }

  async runModeration(_shield: ShieldResource, inputs: readonly ModerationInput[]): Promise<ModerationResult[]> {
    return inputs.map((input) => this.moderationResult(input.text));
  }

  private moderationResult(text: string): ModerationResult {
    const findings = scanText(text).filter((finding) => SEVERITY_RANK[finding.severity] >= this.minimumRank);
    if (findings.length === 0) return { flagged: false, categories: {}, category_scores: {}, category_applied_input_types: {}, user_message: null, metadata: {} };
    const ruleIds = unique(findings.map((finding) => finding.rule_id));
    const descriptions = unique(findings.map((finding) => finding.message));
    // CodeShield's recommended treatment: block for high and critical findings, warn for the others.
    const treatment = findings.some((finding) => SEVERITY_RANK[finding.severity] >= SEVERITY_RANK.high) ? 'BLOCK' : 'WARN';
    return {
      flagged: true,
      categories: Object.fromEntries(ruleIds.map((id) => [id, true])),
      category_scores: Object.fromEntries(ruleIds.map((id) => [id, 1.0])),
      category_applied_input_types: Object.fromEntries(ruleIds.map((id) => [id, ['text' as const]])),
      user_message: `Security concerns detected in the code. ${treatment}: ${descriptions.join('; ')}`,
      metadata: {
        violation_type: ruleIds.join(','),
        findings: findings.map((finding) => ({ rule_id: finding.rule_id, cwe: finding.cwe, severity: finding.severity, line: finding.line })),
      },
    };
  }
}
