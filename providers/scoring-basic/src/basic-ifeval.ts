/**
 * IFEval's instruction checks (Google's instruction-following eval, as Llama Stack's ifeval
 * function runs them). Each instruction id reads its kwargs and checks a response. Where Llama
 * Stack asks langdetect which language a response is in (to count words and sentences, and to
 * pick quotation marks), the script of its letters decides here; sentences are counted with
 * Intl.Segmenter where Llama Stack uses NLTK's punkt, and capital words are found with a word
 * tokenizer of the same rules as NLTK's for English. `language:response_language` asks eld (an
 * n-gram language identifier, as langdetect is) where Llama Stack asks langdetect (basic-language.ts).
 */
import { InvalidRequestError } from '@cria/api';
import { detectedLanguage, languageCode } from './basic-language.js';
import { pythonRegex } from './basic-regex.js';

type Kwargs = Readonly<Record<string, unknown>>;

/** An instruction's check, made from its kwargs; throws InvalidRequestError naming the kwarg it lacks. */
type Checker = (kwargs: Kwargs, param: string) => (response: string) => boolean;

const RELATIONS = ['less than', 'at least'] as const;

function integer(kwargs: Kwargs, name: string, param: string): number {
  const value = kwargs[name];
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  throw new InvalidRequestError(`The instruction needs the integer kwarg '${name}'.`, { param: `${param}.${name}` });
}

function text(kwargs: Kwargs, name: string, param: string): string {
  const value = kwargs[name];
  if (typeof value === 'string' && value.trim()) return value.trim();
  throw new InvalidRequestError(`The instruction needs the string kwarg '${name}'.`, { param: `${param}.${name}` });
}

function words(kwargs: Kwargs, name: string, param: string): string[] {
  const value = kwargs[name];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
  throw new InvalidRequestError(`The instruction needs the list-of-strings kwarg '${name}'.`, { param: `${param}.${name}` });
}

function relation(kwargs: Kwargs, name: string, param: string): (typeof RELATIONS)[number] {
  const value = kwargs[name];
  if (value === 'less than' || value === 'at least') return value;
  throw new InvalidRequestError(`The kwarg '${name}' must be 'less than' or 'at least'.`, { param: `${param}.${name}` });
}

const compare = (rel: (typeof RELATIONS)[number], actual: number, threshold: number) => (rel === 'less than' ? actual < threshold : actual >= threshold);

/** Python's str.isupper / str.islower: a cased letter, and all cased letters of that case. */
const isUpper = (value: string) => value !== value.toLowerCase() && value === value.toUpperCase();
const isLower = (value: string) => value !== value.toUpperCase() && value === value.toLowerCase();

/** Python's `\w+`: letters, digits (any script) and underscores. */
const WORD = /[\p{L}\p{N}\p{Mn}\p{Mc}_]+/gu;

const CJK = /[\u4E00-\u9FFF\u3400-\u4DBF\u3040-\u309f\u30a0-\u30ff\uAC00-\uD7AF]/gu;
const KANA = /[\u3040-\u309f\u30a0-\u30ff]/u;
const HANGUL = /[\uAC00-\uD7AF]/u;
const THAI = /[\u0E00-\u0E7F]/gu;
const DEVANAGARI = /[\u0900-\u097F]/gu;
const CYRILLIC = /[\u0400-\u04FF]/gu;
const LETTER = /\p{L}/gu;

type Script = 'latin' | 'zh' | 'ja' | 'ko' | 'th' | 'hi' | 'ru';

/** The script most of the letters are in, standing for the language langdetect would find. */
function scriptOf(value: string): Script {
  const letters = value.match(LETTER)?.length ?? 0;
  if (letters === 0) return 'latin';
  const share = (pattern: RegExp) => (value.match(pattern)?.length ?? 0) / letters;
  if (share(CJK) > 0.5) return KANA.test(value) ? 'ja' : HANGUL.test(value) ? 'ko' : 'zh';
  if (share(THAI) > 0.5) return 'th';
  if (share(DEVANAGARI) > 0.5) return 'hi';
  if (share(CYRILLIC) > 0.5) return 'ru';
  return 'latin';
}

/** Llama Stack's count_words_cjk: CJK characters one each, emoji one each, other words by spaces. */
function countWordsCjk(value: string): number {
  let stripped = value.replace(/[\\.!?．/_,{}<>:;$%^&*(+"'+——！，。？、`~@#￥……（）：；《）《》“”()[\]«»〔〕\-「」]+/gu, '');
  const emoji = stripped.match(/\p{Extended_Pictographic}/gu)?.length ?? 0;
  stripped = stripped.replace(/\p{Extended_Pictographic}/gu, '');
  const asian = stripped.match(CJK)?.length ?? 0;
  const others = stripped.replace(CJK, ' ').split(/\s+/).filter(Boolean).length;
  return others + asian + emoji;
}

function countWords(value: string): number {
  const script = scriptOf(value);
  if (script === 'th') return [...new Intl.Segmenter('th', { granularity: 'word' }).segment(value)].filter((segment) => segment.isWordLike).length;
  if (script === 'zh' || script === 'ja' || script === 'ko') return countWordsCjk(value);
  return value.match(WORD)?.length ?? 0;
}

function countSentences(value: string): number {
  const script = scriptOf(value);
  if (script === 'zh' || script === 'ja' || script === 'hi') {
    let count = 0;
    for (const line of value.split(/\r?\n/)) count += line.trim().match(/[^!?。.！？．\n।]+[!?。.！？．\n।]?/gu)?.length ?? 0;
    return count;
  }
  const locale = script === 'th' ? 'th' : 'en';
  const lines = script === 'th' ? value.split(/\r?\n/) : [value];
  return lines.reduce((sum, line) => sum + [...new Intl.Segmenter(locale, { granularity: 'sentence' }).segment(line)].filter((segment) => segment.segment.trim()).length, 0);
}

/** English word tokens as NLTK's word_tokenize splits them: words, contractions' second halves (n't, 's), and punctuation. */
function wordTokens(value: string): string[] {
  return value.match(/[A-Za-z]+(?=n't\b)|n't\b|'(?:s|m|d|ll|re|ve)\b|[\p{L}\p{N}_]+(?:[-.][\p{L}\p{N}_]+)*|[^\s\p{L}\p{N}_]/giu) ?? [];
}

const CONSTRAINED_RESPONSES = ['My answer is yes.', 'My answer is no.', 'My answer is maybe.'];

const QUOTES: Partial<Record<Script, string>> = { ja: '「」', ru: '«»', th: '“”', zh: '“”' };

const CHECKERS: Readonly<Record<string, Checker>> = {
  'keywords:existence': (kwargs, param) => {
    const patterns = words(kwargs, 'keywords', param).map((keyword) => pythonRegex(keyword, `${param}.keywords`, 'i'));
    return (response) => patterns.every((pattern) => pattern.test(response));
  },
  'keywords:frequency': (kwargs, param) => {
    const pattern = pythonRegex(text(kwargs, 'keyword', param), `${param}.keyword`, 'gi');
    const [frequency, rel] = [integer(kwargs, 'frequency', param), relation(kwargs, 'relation', param)];
    return (response) => compare(rel, response.match(pattern)?.length ?? 0, frequency);
  },
  'keywords:forbidden_words': (kwargs, param) => {
    const patterns = [...new Set(words(kwargs, 'forbidden_words', param))].map((word) => pythonRegex(`\\b${word}\\b`, `${param}.forbidden_words`, 'i'));
    return (response) => !patterns.some((pattern) => pattern.test(response));
  },
  'keywords:letter_frequency': (kwargs, param) => {
    const letter = text(kwargs, 'letter', param).toLowerCase();
    const [frequency, rel] = [integer(kwargs, 'let_frequency', param), relation(kwargs, 'let_relation', param)];
    return (response) => compare(rel, [...response.toLowerCase()].filter((char) => char === letter).length, frequency);
  },
  'length_constraints:number_sentences': (kwargs, param) => {
    const [threshold, rel] = [integer(kwargs, 'num_sentences', param), relation(kwargs, 'relation', param)];
    return (response) => compare(rel, countSentences(response), threshold);
  },
  'length_constraints:number_paragraphs': (kwargs, param) => {
    const expected = integer(kwargs, 'num_paragraphs', param);
    return (response) => {
      const paragraphs = response.split(/\s?\*\*\*\s?/);
      let count = paragraphs.length;
      for (const [index, paragraph] of paragraphs.entries()) {
        if (paragraph.trim()) continue;
        if (index === 0 || index === paragraphs.length - 1) count--;
        else return false;
      }
      return count === expected;
    };
  },
  'length_constraints:number_words': (kwargs, param) => {
    const [threshold, rel] = [integer(kwargs, 'num_words', param), relation(kwargs, 'relation', param)];
    return (response) => compare(rel, countWords(response), threshold);
  },
  'length_constraints:nth_paragraph_first_word': (kwargs, param) => {
    const [expected, nth, firstWord] = [integer(kwargs, 'num_paragraphs', param), integer(kwargs, 'nth_paragraph', param), text(kwargs, 'first_word', param).toLowerCase()];
    return (response) => {
      const paragraphs = response.split('\n\n');
      const count = paragraphs.filter((paragraph) => paragraph.trim()).length;
      if (nth > count) return false;
      const paragraph = paragraphs[nth - 1]?.trim();
      if (!paragraph) return false;
      const word = paragraph.split(/\s+/)[0]!.trim().replace(/^'+/, '').replace(/^"+/, '');
      let first = '';
      for (const letter of word) {
        if ('.,?!\'"'.includes(letter)) break;
        first += letter.toLowerCase();
      }
      return count === expected && first === firstWord;
    };
  },
  'detectable_content:number_placeholders': (kwargs, param) => {
    const expected = integer(kwargs, 'num_placeholders', param);
    return (response) => (response.match(/\[.*?\]/g)?.length ?? 0) >= expected;
  },
  'detectable_content:postscript': (kwargs, param) => {
    const marker = text(kwargs, 'postscript_marker', param);
    const pattern = marker === 'P.P.S' ? /\s*p\.\s?p\.\s?s.*$/m : marker === 'P.S.' ? /\s*p\.\s?s\..*$/m : pythonRegex(`\\s*${marker.toLowerCase()}.*$`, `${param}.postscript_marker`, 'm');
    return (response) => pattern.test(response.toLowerCase());
  },
  'detectable_format:number_bullet_lists': (kwargs, param) => {
    const expected = integer(kwargs, 'num_bullets', param);
    return (response) => (response.match(/^\s*\*[^*].*$/gm)?.length ?? 0) + (response.match(/^\s*-.*$/gm)?.length ?? 0) === expected;
  },
  'detectable_format:constrained_response': () => (response) => CONSTRAINED_RESPONSES.some((option) => response.trim().includes(option)),
  'detectable_format:number_highlighted_sections': (kwargs, param) => {
    const expected = integer(kwargs, 'num_highlights', param);
    return (response) => {
      const single = (response.match(/\*[^\n*]*\*/g) ?? []).filter((highlight) => highlight.replace(/^\*+|\*+$/g, '').trim()).length;
      const double = (response.match(/\*\*[^\n*]*\*\*/g) ?? []).filter((highlight) => highlight.slice(2, -2).trim()).length;
      return single + double >= expected;
    };
  },
  'detectable_format:multiple_sections': (kwargs, param) => {
    const splitter = text(kwargs, 'section_spliter', param);
    const expected = integer(kwargs, 'num_sections', param);
    const pattern = pythonRegex(`\\s?${splitter}\\s?\\d+\\s?`, `${param}.section_spliter`);
    return (response) => response.split(pattern).length - 1 >= expected;
  },
  'detectable_format:json_format': () => (response) => {
    let body = response.trim();
    for (const prefix of ['```json', '```Json', '```JSON', '```']) if (body.startsWith(prefix)) body = body.slice(prefix.length);
    if (body.endsWith('```')) body = body.slice(0, -3);
    try {
      JSON.parse(body.trim());
      return true;
    } catch {
      return false;
    }
  },
  'detectable_format:title': () => (response) => (response.match(/<<[^\n]+>>/g) ?? []).some((title) => title.replace(/^<+/, '').replace(/>+$/, '').trim()),
  'combination:two_responses': () => (response) => {
    const parts = response.split('******');
    const valid: string[] = [];
    for (const [index, part] of parts.entries()) {
      if (part.trim()) valid.push(part);
      else if (index !== 0 && index !== parts.length - 1) return false;
    }
    return valid.length === 2 && valid[0]!.trim() !== valid[1]!.trim();
  },
  'combination:repeat_prompt': (kwargs, param) => {
    const prompt = text(kwargs, 'prompt_to_repeat', param).toLowerCase();
    return (response) => response.trim().toLowerCase().startsWith(prompt);
  },
  'startend:end_checker': (kwargs, param) => {
    const phrase = text(kwargs, 'end_phrase', param).toLowerCase();
    return (response) => response.trim().replace(/^"+|"+$/g, '').toLowerCase().endsWith(phrase);
  },
  'change_case:capital_word_frequency': (kwargs, param) => {
    const [frequency, rel] = [integer(kwargs, 'capital_frequency', param), relation(kwargs, 'capital_relation', param)];
    return (response) => compare(rel, wordTokens(response).filter(isUpper).length, frequency);
  },
  'change_case:english_capital': () => (response) => isUpper(response) && scriptOf(response) === 'latin',
  'change_case:english_lowercase': () => (response) => isLower(response) && scriptOf(response) === 'latin',
  // IFEval passes a response whose language langdetect cannot tell; so does an undetermined one here.
  'language:response_language': (kwargs, param) => {
    const language = languageCode(text(kwargs, 'language', param));
    return (response) => {
      const detected = detectedLanguage(response);
      return detected === null || detected === language;
    };
  },
  'punctuation:no_comma': () => (response) => !response.includes(','),
  'startend:quotation': () => (response) => {
    const value = response.trim();
    const quotes = QUOTES[scriptOf(value)] ?? '""';
    return value.length > 1 && (value[0] === quotes[0] || value[0] === '"') && (value.at(-1) === quotes[1] || value.at(-1) === '"');
  },
};

/** The instruction ids this package checks (all 25 of IFEval's). */
export const IFEVAL_INSTRUCTIONS: readonly string[] = Object.keys(CHECKERS);

/** The per-instruction and per-group counters Llama Stack's ifeval keeps (`<id>_correct`, `<group>_total`, ...). */
const INSTRUCTION_GROUPS = ['keywords', 'language', 'length_constraints', 'detectable_content', 'detectable_format', 'multi-turn', 'combination', 'startend', 'change_case', 'punctuation'];

/** Whether an IFEval row names language:response_language (whose check needs loadLanguageDetector first). */
export function asksLanguage(row: Readonly<Record<string, unknown>>): boolean {
  return Array.isArray(row.instruction_id_list) && row.instruction_id_list.includes('language:response_language');
}

/**
 * One IFEval row: `instruction_id_list`, `kwargs` (one object per instruction) and
 * `generated_answer`. The score is the share of instructions followed, weighted by how many there
 * are, as Llama Stack scores it (an empty answer follows none).
 */
export function scoreIfevalRow(row: Readonly<Record<string, unknown>>, param: string): { score: number; weight: number } {
  const ids = row.instruction_id_list;
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) {
    throw new InvalidRequestError('An ifeval row needs instruction_id_list, a list of instruction ids.', { param: `${param}.instruction_id_list` });
  }
  const kwargsList = row.kwargs;
  if (!Array.isArray(kwargsList) || kwargsList.length < ids.length) {
    throw new InvalidRequestError('An ifeval row needs kwargs, one object per instruction.', { param: `${param}.kwargs` });
  }
  if (typeof row.generated_answer !== 'string') throw new InvalidRequestError('An ifeval row needs generated_answer, a string.', { param: `${param}.generated_answer` });
  const response = row.generated_answer.trim();
  let followed = 0;
  for (const [index, id] of (ids as string[]).entries()) {
    const checker = CHECKERS[id];
    if (!checker) {
      const known = INSTRUCTION_GROUPS.includes(id.split(':')[0]!) ? ' (not an IFEval instruction)' : '';
      throw new InvalidRequestError(`The instruction '${id}' is not checked here${known}. The instructions are: ${IFEVAL_INSTRUCTIONS.join(', ')}.`, { param: `${param}.instruction_id_list[${index}]` });
    }
    const kwargs = Object.fromEntries(Object.entries((kwargsList[index] ?? {}) as Record<string, unknown>).filter(([, value]) => value !== null));
    const check = checker(kwargs, `${param}.kwargs[${index}]`);
    if (response && check(response)) followed++;
  }
  if (ids.length === 0) return { score: 0, weight: 0 };
  return { score: followed / ids.length, weight: ids.length };
}
