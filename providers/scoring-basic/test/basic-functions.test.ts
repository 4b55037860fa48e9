import { beforeAll, describe, expect, it } from 'vitest';
import type { ScoringFunctionResource } from '@cria/api';
import { BASIC_FUNCTIONS, BasicScoring, loadLanguageDetector, normalizeDocvqaAnswer, normalizeFinalAnswer, pythonExponent, pythonRegex, scoreIfevalRow, tryEvaluateFrac, tryEvaluateLatex } from '../src/index.js';

const scoring = new BasicScoring();

function fn(providerResourceId: string): ScoringFunctionResource {
  const definition = BASIC_FUNCTIONS.find((candidate) => candidate.provider_resource_id === providerResourceId)!;
  return { type: 'scoring_function', identifier: definition.identifier, provider_id: 'basic', provider_resource_id: providerResourceId, description: definition.description, return_type: definition.return_type, params: definition.params, metadata: {}, source: 'listed_from_provider', created: 0 };
}

const scores = async (id: string, rows: Record<string, unknown>[]) => (await scoring.scoreRows(fn(id), rows, fn(id).params)).map((row) => row.score);

describe('inline::basic functions', () => {
  it('equality and subset_of', async () => {
    expect(await scores('equality', [{ expected_answer: 'Paris', generated_answer: 'Paris' }, { expected_answer: 'Paris', generated_answer: 'paris' }])).toEqual([1, 0]);
    expect(await scores('subset-of', [{ expected_answer: 'Paris', generated_answer: 'It is Paris.' }, { expected_answer: 'Rome', generated_answer: 'It is Paris.' }])).toEqual([1, 0]);
    await expect(scoring.scoreRows(fn('equality'), [{ expected_answer: 'x' }], null)).rejects.toMatchObject({ param: 'input_rows[0].generated_answer' });
  });

  it('parses multiple-choice answers in several languages', async () => {
    expect(await scores('regex-parser-multiple-choice-answer', [
      { expected_answer: 'B', generated_answer: 'Let me think. Answer: B' },
      { expected_answer: 'C', generated_answer: 'The best answer is C' },
      { expected_answer: 'A', generated_answer: 'Respuesta: a' },
      { expected_answer: 'D', generated_answer: '答案：D' },
      { expected_answer: 'A', generated_answer: 'I cannot tell.' },
    ])).toEqual([1, 1, 0, 1, 0]);
  });

  it('normalises math answers as Llama Stack does', () => {
    expect(normalizeFinalAnswer('The final answer is $\\boxed{\\frac12}$', pythonRegex('.*final answer is:?\\s*\\$\\\\boxed{(?P<X>.*)}\\$', 'p'))).toBe('\\frac{1}{2}');
    expect(normalizeFinalAnswer('100,000', /.*/)).toBe('100000');
    expect(normalizeFinalAnswer('so \\boxed{5 \\text{ cm}}', /no match/)).toBe('5');
    expect(normalizeFinalAnswer('x = 3/4', /.*/)).toBe('\\frac{3}{4}');
    expect(pythonExponent(12)).toBe('1.20e+01');
    expect(pythonExponent(0.000123)).toBe('1.23e-04');
    expect(tryEvaluateFrac('\\frac{1}{4}+x')).toBe('2.50e-01+x');
    expect(tryEvaluateLatex('\\frac{1}{2}')).toBe('5.00e-01');
    expect(tryEvaluateLatex('2^{3} \\cdot \\sqrt{4}')).toBe('1.60e+01');
    expect(tryEvaluateLatex('x+1')).toBe('x+1');
  });

  it('scores math responses after the final-answer regex', async () => {
    expect(await scores('regex-parser-math-response', [
      { expected_answer: '\\frac{1}{2}', generated_answer: 'Working... The final answer is $\\boxed{0.5}$' },
      { expected_answer: '12', generated_answer: 'The final answer is: $\\boxed{12}$. Q: next' },
      { expected_answer: '12', generated_answer: 'The final answer is $\\boxed{13}$' },
    ])).toEqual([1, 1, 0]);
    await expect(scoring.scoreRows(fn('regex-parser-math-response'), [{ expected_answer: '1', generated_answer: '1' }], { type: 'regex_parser', parsing_regexes: ['a', 'b'] })).rejects.toMatchObject({
      param: 'scoring_functions.basic::regex_parser_math_response.parsing_regexes',
    });
  });

  it('normalises DocVQA answers (punctuation, numbers, articles, contractions)', async () => {
    expect(normalizeDocvqaAnswer('The Two dogs!')).toBe('2 dogs');
    expect(normalizeDocvqaAnswer('dont stop')).toBe("don't stop");
    expect(await scores('docvqa', [{ expected_answer: '["two dogs", "2 puppies"]', generated_answer: 'Two dogs.' }, { expected_answer: '["cat"]', generated_answer: 'a dog' }])).toEqual([1, 0]);
    await expect(scoring.scoreRows(fn('docvqa'), [{ expected_answer: 'cat', generated_answer: 'cat' }], null)).rejects.toMatchObject({ param: 'input_rows[0].expected_answer' });
  });
});

describe('IFEval instructions', () => {
  beforeAll(() => loadLanguageDetector());
  const follows = (id: string, kwargs: Record<string, unknown>, answer: string) => scoreIfevalRow({ instruction_id_list: [id], kwargs: [kwargs], generated_answer: answer }, 'row').score === 1;

  it('checks keywords, letters and forbidden words', () => {
    expect(follows('keywords:existence', { keywords: ['apple', 'pie'] }, 'Apple PIE is good')).toBe(true);
    expect(follows('keywords:existence', { keywords: ['apple', 'pie'] }, 'Apple tart')).toBe(false);
    expect(follows('keywords:frequency', { keyword: 'cat', frequency: 3, relation: 'at least' }, 'cat Cat CAT')).toBe(true);
    expect(follows('keywords:frequency', { keyword: 'cat', frequency: 3, relation: 'less than' }, 'cat Cat CAT')).toBe(false);
    expect(follows('keywords:forbidden_words', { forbidden_words: ['bad'] }, 'this is badly done')).toBe(true);
    expect(follows('keywords:forbidden_words', { forbidden_words: ['bad'] }, 'this is Bad.')).toBe(false);
    expect(follows('keywords:letter_frequency', { letter: 'Z', let_frequency: 2, let_relation: 'at least' }, 'zig zag')).toBe(true);
  });

  it('checks lengths: sentences, paragraphs, words, nth paragraph first word', () => {
    expect(follows('length_constraints:number_sentences', { num_sentences: 3, relation: 'less than' }, 'One. Two!')).toBe(true);
    expect(follows('length_constraints:number_sentences', { num_sentences: 3, relation: 'at least' }, 'One. Two! Three?')).toBe(true);
    expect(follows('length_constraints:number_paragraphs', { num_paragraphs: 2 }, 'First\n***\nSecond')).toBe(true);
    expect(follows('length_constraints:number_paragraphs', { num_paragraphs: 2 }, 'First\n***\n***\nSecond')).toBe(false);
    expect(follows('length_constraints:number_words', { num_words: 5, relation: 'less than' }, 'only four words here')).toBe(true);
    expect(follows('length_constraints:number_words', { num_words: 5, relation: 'at least' }, '这是一个测试')).toBe(true);
    expect(follows('length_constraints:nth_paragraph_first_word', { num_paragraphs: 2, nth_paragraph: 2, first_word: 'second' }, 'One here.\n\n"Second, then."')).toBe(true);
  });

  it('checks content and format', () => {
    expect(follows('detectable_content:number_placeholders', { num_placeholders: 2 }, 'Dear [name], at [address]')).toBe(true);
    expect(follows('detectable_content:postscript', { postscript_marker: 'P.S.' }, 'Body\nP.S. thanks')).toBe(true);
    expect(follows('detectable_content:postscript', { postscript_marker: 'P.P.S' }, 'Body\nP.S. thanks')).toBe(false);
    expect(follows('detectable_format:number_bullet_lists', { num_bullets: 2 }, '* one\n* two')).toBe(true);
    expect(follows('detectable_format:number_bullet_lists', { num_bullets: 2 }, '* one\n- two\n- three')).toBe(false);
    expect(follows('detectable_format:constrained_response', {}, 'My answer is maybe.')).toBe(true);
    expect(follows('detectable_format:number_highlighted_sections', { num_highlights: 2 }, '*one* and **two**')).toBe(true);
    expect(follows('detectable_format:multiple_sections', { section_spliter: 'Section', num_sections: 2 }, 'Section 1\nA\nSection 2\nB')).toBe(true);
    expect(follows('detectable_format:json_format', {}, '```json\n{"a": 1}\n```')).toBe(true);
    expect(follows('detectable_format:json_format', {}, '{a: 1}')).toBe(false);
    expect(follows('detectable_format:title', {}, '<<My Title>>\ntext')).toBe(true);
  });

  it('checks combinations, start/end, case and punctuation', () => {
    expect(follows('combination:two_responses', {}, 'First answer\n******\nSecond answer')).toBe(true);
    expect(follows('combination:two_responses', {}, 'Same\n******\nSame')).toBe(false);
    expect(follows('combination:repeat_prompt', { prompt_to_repeat: 'Write a poem' }, 'write a poem\nRoses...')).toBe(true);
    expect(follows('startend:end_checker', { end_phrase: 'Any other questions?' }, 'Done. Any other questions?"')).toBe(true);
    expect(follows('startend:quotation', {}, '"Quoted"')).toBe(true);
    expect(follows('change_case:capital_word_frequency', { capital_frequency: 2, capital_relation: 'at least' }, 'THIS is VERY good')).toBe(true);
    expect(follows('change_case:english_capital', {}, 'ALL CAPS HERE')).toBe(true);
    expect(follows('change_case:english_lowercase', {}, 'all lower here')).toBe(true);
    expect(follows('change_case:english_lowercase', {}, 'Not lower')).toBe(false);
    expect(follows('punctuation:no_comma', {}, 'no commas here')).toBe(true);
    expect(follows('punctuation:no_comma', {}, 'a, b')).toBe(false);
  });

  it('scores the share of instructions followed, weighted by their number; names what is missing', () => {
    const row = { instruction_id_list: ['punctuation:no_comma', 'detectable_format:title', 'change_case:english_lowercase'], kwargs: [{}, {}, {}], generated_answer: '<<title>> all lowercase' };
    expect(scoreIfevalRow(row, 'row')).toEqual({ score: 1, weight: 3 });
    expect(scoreIfevalRow({ ...row, generated_answer: 'No title, Capitals' }, 'row')).toEqual({ score: 0, weight: 3 });
    expect(() => scoreIfevalRow({ instruction_id_list: ['keywords:frequency'], kwargs: [{ keyword: 'x' }], generated_answer: 'x' }, 'input_rows[0]')).toThrow(expect.objectContaining({ param: 'input_rows[0].kwargs[0].frequency' }));
    expect(() => scoreIfevalRow({ instruction_id_list: ['language:response_language'], kwargs: [{}], generated_answer: 'x' }, 'input_rows[0]')).toThrow(expect.objectContaining({ param: 'input_rows[0].kwargs[0].language' }));
    expect(() => scoreIfevalRow({ instruction_id_list: ['language:nope'], kwargs: [{}], generated_answer: 'x' }, 'input_rows[0]')).toThrow(expect.objectContaining({ param: 'input_rows[0].instruction_id_list[0]' }));
  });

  it('checks language:response_language: the detected language must be the kwarg\'s ISO 639-1 code', () => {
    const samples: Record<string, string> = {
      en: 'The weather is lovely today, so we are going to walk along the river with our friends.',
      fr: "Il fait très beau aujourd'hui, alors nous allons nous promener le long de la rivière avec nos amis.",
      de: 'Das Wetter ist heute herrlich, deshalb gehen wir mit unseren Freunden am Fluss spazieren.',
      es: 'Hoy hace muy buen tiempo, así que vamos a pasear por la orilla del río con nuestros amigos.',
      it: 'Oggi il tempo è bellissimo, quindi andiamo a passeggiare lungo il fiume con i nostri amici.',
      pt: 'O tempo está lindo hoje, então vamos passear ao longo do rio com os nossos amigos.',
      ru: 'Сегодня прекрасная погода, поэтому мы пойдём гулять вдоль реки с нашими друзьями.',
      uk: 'Сьогодні чудова погода, тому ми підемо гуляти вздовж річки з нашими друзями.',
      hi: 'आज मौसम बहुत अच्छा है, इसलिए हम अपने दोस्तों के साथ नदी के किनारे टहलने जा रहे हैं।',
      ja: '今日はとても良い天気なので、友達と一緒に川沿いを散歩します。',
      ko: '오늘은 날씨가 정말 좋아서 친구들과 함께 강을 따라 산책하러 갑니다.',
      ar: 'الطقس جميل جدا اليوم، لذلك سنذهب للتنزه على طول النهر مع أصدقائنا.',
      fa: 'امروز هوا بسیار خوب است، بنابراین با دوستانمان در کنار رودخانه قدم می‌زنیم.',
    };
    for (const [language, response] of Object.entries(samples)) {
      expect(follows('language:response_language', { language }, response), language).toBe(true);
      for (const other of Object.keys(samples).filter((code) => code !== language)) expect(follows('language:response_language', { language: other }, response), `${language} as ${other}`).toBe(false);
    }
    expect(follows('language:response_language', { language: 'FR' }, samples.fr!)).toBe(true);
    expect(follows('language:response_language', { language: 'no' }, 'I dag er været nydelig, så vi skal gå en tur langs elven med vennene våre.')).toBe(true);
    // No letters: undetermined, which IFEval counts as followed (langdetect's failure).
    expect(follows('language:response_language', { language: 'de' }, '12345 !!! 678')).toBe(true);
  });
});
