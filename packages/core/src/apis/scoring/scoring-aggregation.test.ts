import { describe, expect, it } from 'vitest';
import { aggregateScores } from './scoring-aggregation.js';
import { effectiveParams } from './scoring-router.js';

describe('aggregateScores (Llama Stack\'s aggregate_metrics)', () => {
  const rows = [{ score: 1 }, { score: 0 }, { score: 1 }, { score: null }];

  it('accuracy counts every row; average and median skip nulls', () => {
    expect(aggregateScores(rows.slice(0, 3), ['accuracy'], 'p')).toEqual({ accuracy: { accuracy: 2 / 3, num_correct: 2, num_total: 3 } });
    expect(aggregateScores(rows, ['average', 'median'], 'p')).toEqual({ average: { average: 2 / 3 }, median: { median: 1 } });
    expect(aggregateScores([{ score: 3 }, { score: 1 }, { score: 2 }, { score: 10 }], ['median'], 'p')).toEqual({ median: { median: 2.5 } });
  });

  it('weighted_average weighs each score by its row\'s weight', () => {
    expect(aggregateScores([{ score: 1, weight: 1 }, { score: 0.5, weight: 3 }, { score: 1, weight: null }], ['weighted_average'], 'p')).toEqual({ weighted_average: { weighted_average: 2.5 / 4 } });
  });

  it('categorical_count keys scores as Python prints them, sorted', () => {
    expect(aggregateScores([{ score: 'B' }, { score: 'A' }, { score: 'B' }, { score: 1 }, { score: null }, { score: 0.5 }], ['categorical_count'], 'p')).toEqual({
      categorical_count: { categorical_count: { '0.5': 1, '1.0': 1, A: 1, B: 2, None: 1 } },
    });
  });

  it('reads numeric judge scores as numbers, refuses other text, and gives null where Python divides by zero', () => {
    expect(aggregateScores([{ score: '4' }, { score: '2' }], ['average'], 'p')).toEqual({ average: { average: 3 } });
    expect(() => aggregateScores([{ score: 'A' }], ['average'], 'scoring_functions.x.aggregation_functions')).toThrow(expect.objectContaining({ param: 'scoring_functions.x.aggregation_functions' }));
    expect(aggregateScores([], ['accuracy', 'average', 'median'], 'p')).toEqual({ accuracy: { accuracy: null, num_correct: 0, num_total: 0 }, average: { average: null }, median: { median: null } });
  });
});

describe('effectiveParams', () => {
  it('keeps the function\'s fields a request of the same type leaves out', () => {
    const own = { type: 'llm_as_judge' as const, judge_model: 'a', prompt_template: 't', judge_score_regexes: ['(A)'], aggregation_functions: ['categorical_count' as const] };
    expect(effectiveParams(own, { type: 'llm_as_judge', judge_model: 'b' })).toEqual({ ...own, judge_model: 'b' });
    expect(effectiveParams(own, { type: 'basic', aggregation_functions: ['average'] })).toEqual({ type: 'basic', aggregation_functions: ['average'] });
    expect(effectiveParams(own, null)).toBe(own);
  });
});
