import { createParser, type ParseError } from 'eventsource-parser';

/** The `data` of one server-sent event (the lines of multi-line data joined by newlines). */
export type SseData = string;

/**
 * The most characters an unfinished line or event may hold: an upstream that never ends a line
 * must not grow the process's memory without bound. Far above any real event (a chat chunk is
 * well under a kilobyte; a whole non-streamed-like tool call a few megabytes).
 */
export const MAX_SSE_EVENT_CHARS = 64 * 1024 * 1024;

export interface ParseSseOptions {
  /** Fail once an unfinished line or event exceeds this many characters; MAX_SSE_EVENT_CHARS by default. */
  maxEventChars?: number;
}

/**
 * Splits a byte stream into server-sent events and yields the `data` of each, through
 * eventsource-parser (spec-conformant: LF, CR and CRLF line ends, comments and other fields
 * skipped, a UTF-8 BOM dropped). Unlike the spec, a last event that the stream ends without a
 * blank line is yielded too: some upstreams close right after their final `data:` line.
 */
export async function* parseSse(body: AsyncIterable<Uint8Array>, options: ParseSseOptions = {}): AsyncGenerator<SseData> {
  const decoder = new TextDecoder();
  const ready: SseData[] = [];
  let failure: ParseError | undefined;
  const parser = createParser({
    onEvent: (event) => ready.push(event.data),
    onError: (error) => {
      // Unknown fields and bad `retry` values are skipped, as the spec says; only an overflow stops the stream.
      if (error.type === 'max-buffer-size-exceeded') failure = error;
    },
    maxBufferSize: options.maxEventChars ?? MAX_SSE_EVENT_CHARS,
  });
  for await (const bytes of body) {
    parser.feed(decoder.decode(bytes, { stream: true }));
    if (failure) throw new Error(`a server-sent event is larger than ${options.maxEventChars ?? MAX_SSE_EVENT_CHARS} characters`, { cause: failure });
    // Events are handed out in the order they completed; the array is reused, not reallocated.
    for (let index = 0; index < ready.length; index++) yield ready[index]!;
    ready.length = 0;
  }
  // A blank line ends whatever the stream left unfinished (and dispatches nothing when it ended cleanly).
  parser.feed(`${decoder.decode()}\n\n`);
  yield* ready;
}
