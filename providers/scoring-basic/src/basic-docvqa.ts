/**
 * DocVQA's answer normalisation (the VQA evaluation's, as Llama Stack's docvqa function applies
 * it): punctuation dropped or spaced, number words to digits, articles dropped, contractions
 * restored.
 */

/** Contractions written without apostrophes, to their usual form. */
const CONTRACTIONS: Readonly<Record<string, string>> = { aint: "ain't", arent: "aren't", cant: "can't", couldve: "could've", couldnt: "couldn't", "couldn'tve": "couldn't've", "couldnt've": "couldn't've", didnt: "didn't", doesnt: "doesn't", dont: "don't", hadnt: "hadn't", "hadnt've": "hadn't've", "hadn'tve": "hadn't've", hasnt: "hasn't", havent: "haven't", hed: "he'd", "hed've": "he'd've", "he'dve": "he'd've", hes: "he's", howd: "how'd", howll: "how'll", hows: "how's", "Id've": "I'd've", "I'dve": "I'd've", Im: "I'm", Ive: "I've", isnt: "isn't", itd: "it'd", "itd've": "it'd've", "it'dve": "it'd've", itll: "it'll", "let's": "let's", maam: "ma'am", mightnt: "mightn't", "mightnt've": "mightn't've", "mightn'tve": "mightn't've", mightve: "might've", mustnt: "mustn't", mustve: "must've", neednt: "needn't", notve: "not've", oclock: "o'clock", oughtnt: "oughtn't", "ow's'at": "'ow's'at", "'ows'at": "'ow's'at", "'ow'sat": "'ow's'at", shant: "shan't", "shed've": "she'd've", "she'dve": "she'd've", "she's": "she's", shouldve: "should've", shouldnt: "shouldn't", "shouldnt've": "shouldn't've", "shouldn'tve": "shouldn't've", "somebody'd": "somebodyd", "somebodyd've": "somebody'd've", "somebody'dve": "somebody'd've", somebodyll: "somebody'll", somebodys: "somebody's", someoned: "someone'd", "someoned've": "someone'd've", "someone'dve": "someone'd've", someonell: "someone'll", someones: "someone's", somethingd: "something'd", "somethingd've": "something'd've", "something'dve": "something'd've", somethingll: "something'll", thats: "that's", thered: "there'd", "thered've": "there'd've", "there'dve": "there'd've", therere: "there're", theres: "there's", theyd: "they'd", "theyd've": "they'd've", "they'dve": "they'd've", theyll: "they'll", theyre: "they're", theyve: "they've", twas: "'twas", wasnt: "wasn't", "wed've": "we'd've", "we'dve": "we'd've", weve: "we've", werent: "weren't", whatll: "what'll", whatre: "what're", whats: "what's", whatve: "what've", whens: "when's", whered: "where'd", wheres: "where's", whereve: "where've", whod: "who'd", "whod've": "who'd've", "who'dve": "who'd've", wholl: "who'll", whos: "who's", whove: "who've", whyll: "why'll", whyre: "why're", whys: "why's", wont: "won't", wouldve: "would've", wouldnt: "wouldn't", "wouldnt've": "wouldn't've", "wouldn'tve": "wouldn't've", yall: "y'all", "yall'll": "y'all'll", "y'allll": "y'all'll", "yall'd've": "y'all'd've", "y'alld've": "y'all'd've", "y'all'dve": "y'all'd've", youd: "you'd", "youd've": "you'd've", "you'dve": "you'd've", youll: "you'll", youre: "you're", youve: "you've", "1st": "first", "2nd": "second", "3rd": "third" };

const NUMBERS: Readonly<Record<string, string>> = { none: '0', zero: '0', one: '1', two: '2', three: '3', four: '4', five: '5', six: '6', seven: '7', eight: '8', nine: '9', ten: '10' };

/** More than articles: these words do not count either. */
const ARTICLES = new Set(['a', 'an', 'the', 'to', 'in', 'from', 'by']);

const COMMA_STRIP = /(\d)(,)(\d)/;
const PUNCTUATION = [';', '/', '[', ']', '"', '{', '}', '(', ')', '=', '+', '\\', '_', '-', '>', '<', '@', '`', ',', '?', '!'];

/** Python's `PERIOD_STRIP.sub("", s, re.UNICODE)`: re.UNICODE lands in `count`, so at most 32 periods go each time. */
function stripPeriods(text: string): string {
  let count = 0;
  return text.replace(/(?!<=\d)(\.)(?!\d)/g, (match) => (count++ < 32 ? '' : match));
}

export function normalizeDocvqaAnswer(answer: string): string {
  let text = answer;
  for (const mark of PUNCTUATION) {
    if (text.includes(`${mark} `) || text.includes(` ${mark}`) || COMMA_STRIP.test(text)) text = text.split(mark).join('');
    else text = text.split(mark).join(' ');
    text = stripPeriods(text);
  }
  const words = text
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .map((word) => NUMBERS[word] ?? word)
    .filter((word) => !ARTICLES.has(word))
    .map((word) => CONTRACTIONS[word] ?? word);
  return words.join(' ');
}
