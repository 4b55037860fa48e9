import { describe, expect, it } from 'vitest';
import { braveSearchContent } from '../src/brave-search-results.js';
import { braveSearchReply } from './brave-search-stand-in.js';

const lines = (content: string) => content.split('\n').map((line) => JSON.parse(line) as unknown);

describe('braveSearchContent (Llama Stack\'s result cleaning)', () => {
  it('keeps the first max_results entries of the mixed ranking, with the fields Llama Stack keeps', () => {
    const reply = braveSearchReply('llamas');
    expect(lines(braveSearchContent(reply, 3))).toEqual([
      { title: 'Result 0 for llamas', url: 'https://example.com/0', description: 'The <strong>llamas</strong> page 0.', type: 'search_result', extra_snippets: ['More about llamas (0).'] },
      [{ question: 'What is llamas?', answer: 'llamas is a test.', title: 'FAQ', url: 'https://example.com/faq' }],
      { title: 'Result 1 for llamas', url: 'https://example.com/1', description: 'The <strong>llamas</strong> page 1.', type: 'search_result', extra_snippets: ['More about llamas (1).'] },
    ]);
    expect(lines(braveSearchContent(reply, 4))[3]).toEqual([{ title: 'News on llamas', url: 'https://news.example.com/1', description: 'Breaking.' }]);
    expect(lines(braveSearchContent(reply, 1))).toHaveLength(1);
  });

  it('keeps infobox and location fields, and leaves out types it does not keep and missing results', () => {
    const reply = {
      mixed: { main: [{ type: 'infobox', index: 0 }, { type: 'discussions', all: true }, { type: 'web', index: 7 }, { type: 'locations', all: true }] },
      infobox: { type: 'graph', results: [{ type: 'infobox', title: 'Llama', url: 'https://en.wikipedia.org/wiki/Llama', description: 'Animal', long_desc: 'A domesticated camelid.', images: [] }] },
      discussions: { results: [{ title: 'thread' }] },
      web: { results: [] },
      locations: { results: [{ type: 'location_result', title: 'Farm', url: 'https://farm.example', coordinates: [1, 2], rating: { ratingValue: 4 }, id: 'x', thumbnail: {} }] },
    };
    expect(lines(braveSearchContent(reply, 10))).toEqual([
      { type: 'infobox', title: 'Llama', url: 'https://en.wikipedia.org/wiki/Llama', description: 'Animal', long_desc: 'A domesticated camelid.' },
      [{ type: 'location_result', title: 'Farm', url: 'https://farm.example', coordinates: [1, 2], rating: { ratingValue: 4 } }],
    ]);
  });

  it('falls back to the web results when the answer has no mixed ranking', () => {
    const { mixed: _mixed, ...reply } = braveSearchReply('alpacas');
    const content = lines(braveSearchContent(reply, 2));
    expect(content).toHaveLength(2);
    expect(content[1]).toMatchObject({ title: 'Result 1 for alpacas', url: 'https://example.com/1' });
    expect(braveSearchContent({ type: 'search' }, 3)).toBe('');
  });
});
