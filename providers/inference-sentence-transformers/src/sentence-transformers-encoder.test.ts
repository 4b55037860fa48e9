import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporaryDirectory } from '@cria/testing';
import { poolTokens, readSentencePipeline } from './sentence-transformers-encoder.js';

// Three tokens of width 2; the third is padding.
const HIDDEN = Float32Array.from([1, 2, 3, -4, 100, 100]);
const KEPT = [true, true, false];

describe('sentence-transformers pooling', () => {
  it('pools as sentence-transformers: cls, max, mean, mean-sqrt-len, last token, over the kept tokens only', () => {
    expect(Array.from(poolTokens(HIDDEN, 2, KEPT, { pooling: ['cls_token'], normalize: false }))).toEqual([1, 2]);
    expect(Array.from(poolTokens(HIDDEN, 2, KEPT, { pooling: ['max_tokens'], normalize: false }))).toEqual([3, 2]);
    expect(Array.from(poolTokens(HIDDEN, 2, KEPT, { pooling: ['mean_tokens'], normalize: false }))).toEqual([2, -1]);
    const sqrt = Array.from(poolTokens(HIDDEN, 2, KEPT, { pooling: ['mean_sqrt_len_tokens'], normalize: false }));
    expect(sqrt[0]).toBeCloseTo(4 / Math.SQRT2, 5);
    expect(Array.from(poolTokens(HIDDEN, 2, KEPT, { pooling: ['lasttoken'], normalize: false }))).toEqual([3, -4]);
    expect(Array.from(poolTokens(HIDDEN, 2, KEPT, { pooling: ['cls_token', 'mean_tokens'], normalize: false }))).toEqual([1, 2, 2, -1]);
    const normalized = poolTokens(HIDDEN, 2, KEPT, { pooling: ['mean_tokens'], normalize: true });
    expect(normalized[0]).toBeCloseTo(2 / Math.sqrt(5), 6);
    expect(normalized[1]).toBeCloseTo(-1 / Math.sqrt(5), 6);
  });

  it('reads modules.json and 1_Pooling/config.json, defaults to unnormalized mean without them, and refuses modules it cannot run', () => {
    const temp = temporaryDirectory('cria-st-pipeline-');
    try {
      expect(readSentencePipeline(temp.dir)).toEqual({ pooling: ['mean_tokens'], normalize: false, maxSequenceLength: null });

      mkdirSync(join(temp.dir, 'pool'));
      writeFileSync(join(temp.dir, 'pool', 'config.json'), JSON.stringify({ pooling_mode_cls_token: true, pooling_mode_mean_tokens: false }));
      writeFileSync(join(temp.dir, 'sentence_bert_config.json'), JSON.stringify({ max_seq_length: 8192 }));
      const modules = [
        { idx: 0, path: '', type: 'sentence_transformers.models.Transformer' },
        { idx: 1, path: 'pool', type: 'sentence_transformers.models.Pooling' },
      ];
      writeFileSync(join(temp.dir, 'modules.json'), JSON.stringify(modules));
      expect(readSentencePipeline(temp.dir)).toEqual({ pooling: ['cls_token'], normalize: false, maxSequenceLength: 8192 });

      writeFileSync(join(temp.dir, 'modules.json'), JSON.stringify([...modules, { idx: 2, path: '2_Normalize', type: 'sentence_transformers.models.Normalize' }]));
      expect(readSentencePipeline(temp.dir).normalize).toBe(true);

      writeFileSync(join(temp.dir, 'modules.json'), JSON.stringify([...modules, { idx: 2, path: '2_Dense', type: 'sentence_transformers.models.Dense' }]));
      expect(() => readSentencePipeline(temp.dir)).toThrow(/Dense/);
    } finally {
      temp.remove();
    }
  });
});
