import { UnavailableError } from '@cria/api';

type Detector = (value: string) => string;

let detector: Detector | null = null;
let loading: Promise<void> | null = null;

/**
 * Loads the language identifier (eld's small n-gram database, 60 languages, ~1 s to load), once;
 * the provider loads it only when a row asks `language:response_language`.
 */
export function loadLanguageDetector(): Promise<void> {
  loading ??= import('eld/small').then(
    ({ eld }) => {
      detector = (value) => eld.detect(value).language;
    },
    (error: unknown) => {
      loading = null;
      throw new UnavailableError(`The language identifier (eld) could not be loaded: ${error instanceof Error ? error.message : String(error)}`);
    },
  );
  return loading;
}

/** ISO 639-1 codes naming the same language as another here (Norwegian Bokmål written `nb`, as eld and langdetect name it `no`). */
const ALIASES: Readonly<Record<string, string>> = { nb: 'no' };

/** `code` as detectedLanguage answers it: lowercase, its region (`zh-cn`) dropped, an alias resolved. */
export function languageCode(code: string): string {
  const base = code.trim().toLowerCase().split(/[-_]/)[0]!;
  return ALIASES[base] ?? base;
}

/** The ISO 639-1 code of the language `value` is written in, or null when none can be told (no letters); needs loadLanguageDetector first. */
export function detectedLanguage(value: string): string | null {
  if (!detector) throw new UnavailableError('The language identifier is not loaded (loadLanguageDetector).');
  return detector(value) || null;
}
