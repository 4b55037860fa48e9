import type { ImageContentItem, TextContentItem } from '@cria/api';

/**
 * MCP content as Llama Stack's content items (its invoke_mcp_tool): text as text, images as
 * base64 data. Other kinds (audio, resources, resource links) have no Llama Stack item; they are
 * left out and reported through `skipped`, as Llama Stack logs embedded resources.
 */
export function toToolContent(content: readonly unknown[], skipped: (type: string) => void): (TextContentItem | ImageContentItem)[] {
  const items: (TextContentItem | ImageContentItem)[] = [];
  for (const item of content) {
    const part = item as { type?: string; text?: unknown; data?: unknown };
    if (part.type === 'text' && typeof part.text === 'string') items.push({ type: 'text', text: part.text });
    else if (part.type === 'image' && typeof part.data === 'string') items.push({ type: 'image', image: { data: part.data } });
    else skipped(String(part.type));
  }
  return items;
}
