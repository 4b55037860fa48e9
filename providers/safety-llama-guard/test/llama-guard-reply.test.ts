import { describe, expect, it } from 'vitest';
import { UpstreamError } from '@cria/api';
import { CANNED_RESPONSE_TEXT, moderationResult, parseLlamaGuardReply, violatedCodes, violationFor } from '../src/index.js';

const parse = (reply: string) => parseLlamaGuardReply(reply, 'llama-guard3:1b', 'llama-guard');

describe("Llama Guard's reply", () => {
  it('reads safe and unsafe replies with their codes', () => {
    expect(parse('safe')).toEqual({ safe: true });
    expect(parse('  safe\n')).toEqual({ safe: true });
    expect(parse('unsafe\nS1')).toEqual({ safe: false, codes: ['S1'] });
    expect(parse('unsafe\nS1,S10')).toEqual({ safe: false, codes: ['S1', 'S10'] });
    expect(parse('unsafe\nS2, S99, S14')).toEqual({ safe: false, codes: ['S2', 'S14'] });
  });

  it('refuses anything else with an UpstreamError naming the model and the reply', () => {
    for (const reply of ['I cannot help with that.', 'unsafe', 'unsafe\nS15', '']) {
      let caught: unknown;
      try {
        parse(reply);
      } catch (error) {
        caught = error;
      }
      expect(UpstreamError.is(caught)).toBe(true);
      expect((caught as UpstreamError).kind).toBe('upstream');
      expect((caught as Error).message).toContain("'llama-guard3:1b'");
      expect((caught as Error).message).toContain(JSON.stringify(reply));
    }
  });

  it('turns codes into a violation with the categories named, unless all are excluded', () => {
    const verdict = parse('unsafe\nS1,S10');
    expect(violationFor(violatedCodes(verdict, []))).toEqual({
      violation_level: 'error',
      user_message: CANNED_RESPONSE_TEXT,
      metadata: { violation_type: 'S1,S10', categories: ['Violent Crimes', 'Hate'] },
    });
    expect(CANNED_RESPONSE_TEXT).toBe("I can't answer that. Can I help with something else?");
    expect(violatedCodes(verdict, ['S1', 'S10', 'S2'])).toEqual([]);
    expect(violatedCodes(verdict, ['S10'])).toEqual(['S1', 'S10']);
    expect(violationFor(violatedCodes(parse('safe'), []))).toBeNull();
  });

  it('reports a moderation result under Llama Guard names and the OpenAI names they overlap', () => {
    const flagged = moderationResult(['S1', 'S10'], ['text']);
    expect(flagged.flagged).toBe(true);
    expect(flagged.categories).toMatchObject({ 'Violent Crimes': true, violence: true, Hate: true, hate: true, 'Sex Crimes': false, sexual: false, illicit: false });
    expect(Object.keys(flagged.categories)).toHaveLength(14 + 7);
    expect(flagged.category_scores).toMatchObject({ 'Violent Crimes': 1, violence: 1, Elections: 0, 'self-harm': 0 });
    expect(flagged.category_applied_input_types).toMatchObject({ violence: ['text'], Hate: ['text'], Privacy: [] });
    expect(flagged.user_message).toBe(CANNED_RESPONSE_TEXT);
    expect(flagged.metadata).toEqual({ violation_type: ['S1', 'S10'] });

    // S3 and S12 both map to `sexual`: either one flags it.
    expect(moderationResult(['S12'], ['text', 'image']).categories).toMatchObject({ sexual: true, 'Sex Crimes': false, 'Sexual Content': true });
    expect(moderationResult(['S12'], ['text', 'image']).category_applied_input_types.sexual).toEqual(['text', 'image']);

    const safe = moderationResult([], ['text']);
    expect(safe.flagged).toBe(false);
    expect(Object.values(safe.categories).every((value) => value === false)).toBe(true);
    expect(Object.values(safe.category_scores).every((score) => score === 0)).toBe(true);
    expect(safe.user_message).toBeNull();
    expect(safe.metadata).toEqual({});
  });
});
