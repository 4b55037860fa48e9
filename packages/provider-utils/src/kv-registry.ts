import type { KvStore } from '@cria/api';

/**
 * The first string after every string that starts with `prefix`: the prefix with its last
 * character incremented. A `prefix + '\uffff'` bound would miss keys whose next character is
 * beyond U+FFFF (an emoji in an id), since stores order keys by their UTF-8 bytes.
 */
function prefixEnd(prefix: string): string {
  if (!prefix) throw new Error('a registry needs a non-empty key prefix');
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

/**
 * A provider's registry of records keyed by id (its vector stores, say), kept in its key-value
 * `persistence` under `<prefix><id>` so the provider finds them again after a restart. The prefix
 * keeps them apart from other keys of the same namespace.
 */
export class KvRegistry<Entry extends { id: string }> {
  private readonly end: string;

  constructor(
    private readonly store: KvStore,
    private readonly prefix: string,
  ) {
    this.end = prefixEnd(prefix);
  }

  /** The entry with this id, if registered. */
  get(id: string): Promise<Entry | undefined> {
    return this.store.get<Entry>(this.prefix + id);
  }

  /** Registers `entry` under its id, replacing the entry registered there before. */
  put(entry: Entry): Promise<void> {
    return this.store.set(this.prefix + entry.id, entry);
  }

  /** Removes the entry with this id; removing one that is not there does nothing. */
  delete(id: string): Promise<void> {
    return this.store.delete(this.prefix + id);
  }

  /** Every entry, ordered by the key-value store's key order. */
  list(): Promise<Entry[]> {
    return this.store.valuesInRange<Entry>(this.prefix, this.end);
  }
}
