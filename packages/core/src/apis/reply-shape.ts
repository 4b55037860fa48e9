/**
 * Leaves out the named fields of a reply where they are null: OpenAI's schema has no null for
 * them, and strictly typed clients reject one. Changes the reply in place.
 */
export function dropNull(reply: object, ...names: string[]): void {
  const fields = reply as Record<string, unknown>;
  for (const name of names) if (fields[name] === null) delete fields[name];
}
