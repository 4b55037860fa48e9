import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the stand-in received. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
}

/** What the stand-in answers next: a vendor's shape, an error, a malformed body, or nothing for a while. */
export type StandInBehaviour =
  | { kind: 'openai' }
  | { kind: 'llama-api' }
  | { kind: 'status'; status: number; body: unknown }
  | { kind: 'raw'; body: string }
  | { kind: 'json'; body: unknown }
  | { kind: 'hang'; ms: number };

const OPENAI_CATEGORIES = [
  'harassment', 'harassment/threatening', 'hate', 'hate/threatening', 'illicit', 'illicit/violent', 'self-harm',
  'self-harm/intent', 'self-harm/instructions', 'sexual', 'sexual/minors', 'violence', 'violence/graphic',
];

/** The categories a text sets off in this stand-in: "kill" is violence and a threat. */
const flagsOf = (text: string): string[] => (/\bkill\b/i.test(text) ? ['violence', 'harassment/threatening'] : []);

/** One input of OpenAI's moderations: its text and whether it holds an image. */
function openAIInputs(input: unknown): { text: string; image: boolean }[] {
  if (typeof input === 'string') return [{ text: input, image: false }];
  const items = input as ({ type: string; text?: string } | string)[];
  if (items.every((item) => typeof item === 'string')) return (items as string[]).map((text) => ({ text, image: false }));
  const parts = items as { type: string; text?: string }[];
  return [{ text: parts.map((part) => part.text ?? '').join('\n'), image: parts.some((part) => part.type === 'image_url') }];
}

/** A result in OpenAI's documented shape (CreateModerationResponse): every category, scores, applied input types. */
function openAIResult({ text, image }: { text: string; image: boolean }): Record<string, unknown> {
  const flags = flagsOf(text);
  return {
    flagged: flags.length > 0,
    categories: Object.fromEntries(OPENAI_CATEGORIES.map((name) => [name, flags.includes(name)])),
    category_scores: Object.fromEntries(OPENAI_CATEGORIES.map((name) => [name, flags.includes(name) ? 0.91 : 0.0001])),
    category_applied_input_types: Object.fromEntries(OPENAI_CATEGORIES.map((name) => [name, name.startsWith('violence') || name.startsWith('self-harm') || name === 'sexual' ? (image ? ['text', 'image'] : ['text']) : ['text']])),
  };
}

/**
 * A stand-in for a hosted moderation service, answering POST /v1/moderations as OpenAI documents it
 * (`{id, model, results: [...]}`) or as Llama API documents it (`{messages, model}` in,
 * `{model, results: [{flagged, flagged_categories}]}` out), and recording every request.
 */
export class ModerationStandIn {
  readonly requests: ReceivedRequest[] = [];
  behaviour: StandInBehaviour = { kind: 'openai' };
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<ModerationStandIn> {
    let standIn: ModerationStandIn | undefined;
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => void standIn!.answer(request.method!, request.url!, request.headers, Buffer.concat(chunks).toString('utf8'), response));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    standIn = new ModerationStandIn(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`);
    return standIn;
  }

  private async answer(method: string, path: string, headers: IncomingHttpHeaders, text: string, response: ServerResponse): Promise<void> {
    const body = text ? JSON.parse(text) : undefined;
    this.requests.push({ method, path, headers, body });
    const send = (status: number, payload: string): void => {
      response.writeHead(status, { 'content-type': 'application/json' }).end(payload);
    };
    const behaviour = this.behaviour;
    switch (behaviour.kind) {
      case 'hang':
        await new Promise((resolve) => setTimeout(resolve, behaviour.ms));
        if (!response.destroyed) send(200, JSON.stringify({ id: 'modr-late', model: 'late', results: [] }));
        return;
      case 'status':
        return send(behaviour.status, JSON.stringify(behaviour.body));
      case 'raw':
        return send(200, behaviour.body);
      case 'json':
        return send(200, JSON.stringify(behaviour.body));
      case 'llama-api': {
        const messages = body.messages as { content: string | { type: string; text?: string }[] }[];
        const texts = messages.map((message) => (typeof message.content === 'string' ? message.content : message.content.map((part) => part.text ?? '').join('\n')));
        const flags = [...new Set(texts.flatMap(flagsOf))].map((name) => (name === 'violence' ? 'S1' : 'S2'));
        return send(200, JSON.stringify({ model: body.model ?? 'Llama-Guard', results: [{ flagged: flags.length > 0, flagged_categories: flags }] }));
      }
      case 'openai':
        return send(200, JSON.stringify({ id: 'modr-0123', model: body.model ?? 'omni-moderation-latest', results: openAIInputs(body.input).map(openAIResult) }));
    }
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
