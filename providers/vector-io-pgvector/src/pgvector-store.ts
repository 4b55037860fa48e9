import type { ClientBase } from 'pg';
import type { AttributeFilter, ChunkMatch, ChunkSelector, StoredChunk, VectorChunk } from '@cria/api';
import type { PgvectorDistanceMetric, ResolvedVectorIndex } from './pgvector-config.js';
import { attributeFilterToSql } from './pgvector-filter.js';

/** pgvector indexes `vector` columns of at most this many dimensions. */
export const MAX_INDEXED_DIMENSION = 2000;

/** Rows per INSERT statement while inserting chunks. */
const INSERT_BATCH = 500;

/** How each metric is searched and indexed, and how a distance becomes a score (higher is better). */
export const METRICS: Record<PgvectorDistanceMetric, { operator: string; opclass: string; score: (distance: number) => number }> = {
  COSINE: { operator: '<=>', opclass: 'vector_cosine_ops', score: (distance) => 1 - distance },
  L2: { operator: '<->', opclass: 'vector_l2_ops', score: (distance) => 1 / (1 + distance) },
  L1: { operator: '<+>', opclass: 'vector_l1_ops', score: (distance) => 1 / (1 + distance) },
  // `<#>` is the negated inner product.
  INNER_PRODUCT: { operator: '<#>', opclass: 'vector_ip_ops', score: (distance) => -distance },
};

interface ChunkRow {
  id: string;
  content: string;
  metadata: Record<string, unknown>;
  chunk_metadata: Record<string, unknown>;
  /** pgvector's text form, `[1,2.5,...]`. */
  embedding?: string;
  distance?: number;
  rank?: number;
}

/**
 * A vector in pgvector's binary wire format (int16 dimensions, int16 unused, big-endian float4s).
 * node-postgres sends a Buffer parameter in binary, so the server skips parsing the text form,
 * which dominates insert time for a few hundred dimensions.
 */
export function vectorBinary(values: readonly number[]): Buffer {
  const buffer = Buffer.allocUnsafe(4 + 4 * values.length);
  buffer.writeInt16BE(values.length, 0);
  buffer.writeInt16BE(0, 2);
  for (let index = 0; index < values.length; index++) buffer.writeFloatBE(values[index]!, 4 + 4 * index);
  return buffer;
}

/**
 * A tsquery matching any word of `text` (ts_rank ranks chunks with more of them higher), or null
 * when the text has no word. Only letters, marks and digits reach to_tsquery, so the user's text
 * is never read as tsquery syntax.
 */
export function tsQuery(text: string): string | null {
  const words = [...new Set(text.toLowerCase().match(/[\p{L}\p{N}\p{M}]+/gu) ?? [])];
  return words.length ? words.join(' | ') : null;
}

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

function toChunk(row: ChunkRow): StoredChunk {
  return { chunkId: row.id, content: row.content, metadata: row.metadata, chunkMetadata: row.chunk_metadata };
}

function toMatch(row: ChunkRow, score: number): ChunkMatch {
  return { ...toChunk(row), score };
}

/** The condition (with its parameters, numbered from $1) that picks the selected chunks. */
function selection(selector: ChunkSelector): [string, unknown[]] {
  return 'fileId' in selector ? ['file_id = $1', [selector.fileId]] : ['id = ANY($1::text[])', [selector.chunkIds]];
}

/**
 * One vector store: a table of chunks with their `vector(dimension)` embedding, a generated
 * English tsvector of the content with a GIN index, and an HNSW or IVFFlat index on the
 * embedding (the index the table already has is kept if the configuration changed since). `seq`
 * numbers the chunks in insertion order; a replaced chunk takes a new number.
 */
export class PgvectorStore {
  readonly table: string;
  /** Whether the table has an approximate index on the embedding (otherwise search is exact). */
  hasVectorIndex = false;

  constructor(
    readonly name: string,
    readonly dimension: number,
    private readonly metric: PgvectorDistanceMetric,
    private readonly index: ResolvedVectorIndex,
  ) {
    this.table = quote(name);
  }

  /** Creates the table and its indexes if missing (an HNSW index at once, an IVFFlat one later: see buildDeferredIndex). */
  async create(client: ClientBase): Promise<void> {
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${this.table} (
        id TEXT PRIMARY KEY,
        file_id TEXT,
        content TEXT NOT NULL,
        metadata JSONB NOT NULL,
        chunk_metadata JSONB NOT NULL,
        embedding vector(${this.dimension}) NOT NULL,
        tokens tsvector GENERATED ALWAYS AS (to_tsvector('english', content)) STORED,
        seq BIGSERIAL NOT NULL
      );
      CREATE INDEX IF NOT EXISTS ${quote(`${this.name}_file_id`)} ON ${this.table} (file_id, seq);
      CREATE INDEX IF NOT EXISTS ${quote(`${this.name}_tokens`)} ON ${this.table} USING gin (tokens);
    `);
    this.hasVectorIndex = await this.vectorIndexExists(client);
    if (!this.hasVectorIndex && this.index.type === 'HNSW' && this.dimension <= MAX_INDEXED_DIMENSION) {
      await client.query(
        `CREATE INDEX IF NOT EXISTS ${quote(`${this.name}_hnsw`)} ON ${this.table} USING hnsw (embedding ${METRICS[this.metric].opclass}) WITH (m = ${this.index.m}, ef_construction = ${this.index.efConstruction})`,
      );
      this.hasVectorIndex = true;
    }
  }

  /** The dimension of the embedding column of an existing table, or null when there is no table. */
  async storedDimension(client: ClientBase): Promise<number | null> {
    const { rows } = await client.query<{ type: string }>(
      `SELECT format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a WHERE a.attrelid = to_regclass($1) AND a.attname = 'embedding' AND NOT a.attisdropped`,
      [this.table],
    );
    const match = rows[0]?.type.match(/vector\((\d+)\)/);
    return match ? Number(match[1]) : null;
  }

  async drop(client: ClientBase): Promise<void> {
    await client.query(`DROP TABLE IF EXISTS ${this.table}`);
  }

  /** Inserts (or replaces, by id) chunks with distinct ids whose embeddings were checked; the caller holds the transaction. */
  async insert(client: ClientBase, chunks: readonly VectorChunk[]): Promise<void> {
    for (let start = 0; start < chunks.length; start += INSERT_BATCH) {
      const batch = chunks.slice(start, start + INSERT_BATCH);
      const params: unknown[] = [];
      const rows = batch.map((chunk) => {
        const first = params.length + 1;
        params.push(
          chunk.chunkId,
          typeof chunk.chunkMetadata?.file_id === 'string' ? chunk.chunkMetadata.file_id : null,
          chunk.content,
          JSON.stringify(chunk.metadata ?? {}),
          JSON.stringify(chunk.chunkMetadata ?? {}),
          vectorBinary(chunk.embedding),
        );
        return `($${first}, $${first + 1}, $${first + 2}, $${first + 3}::jsonb, $${first + 4}::jsonb, $${first + 5}::vector)`;
      });
      await client.query(
        `INSERT INTO ${this.table} (id, file_id, content, metadata, chunk_metadata, embedding) VALUES ${rows.join(', ')}
         ON CONFLICT (id) DO UPDATE SET file_id = EXCLUDED.file_id, content = EXCLUDED.content, metadata = EXCLUDED.metadata,
           chunk_metadata = EXCLUDED.chunk_metadata, embedding = EXCLUDED.embedding, seq = EXCLUDED.seq`,
        params,
      );
    }
  }

  /**
   * Builds the deferred IVFFlat index once the table holds `lists` × 1000 rows (Llama Stack's
   * rule: k-means over too few vectors makes poor lists). Returns whether it built it.
   */
  async buildDeferredIndex(client: ClientBase): Promise<boolean> {
    if (this.hasVectorIndex || this.index.type !== 'IVFFlat' || this.dimension > MAX_INDEXED_DIMENSION) return false;
    const { rows } = await client.query<{ count: string }>(`SELECT count(*) AS count FROM ${this.table}`);
    if (Number(rows[0]!.count) < this.index.lists * 1000) return false;
    await client.query(`CREATE INDEX IF NOT EXISTS ${quote(`${this.name}_ivfflat`)} ON ${this.table} USING ivfflat (embedding ${METRICS[this.metric].opclass}) WITH (lists = ${this.index.lists})`);
    this.hasVectorIndex = true;
    return true;
  }

  async delete(client: ClientBase, selector: ChunkSelector): Promise<void> {
    const [where, params] = selection(selector);
    await client.query(`DELETE FROM ${this.table} WHERE ${where}`, params);
  }

  /** The selected chunks in insertion order, with their embeddings when asked. */
  async list(client: ClientBase, selector: ChunkSelector, includeEmbeddings: boolean): Promise<StoredChunk[]> {
    const [where, params] = selection(selector);
    const { rows } = await client.query<ChunkRow>(`SELECT id, content, metadata, chunk_metadata${includeEmbeddings ? ', embedding::text AS embedding' : ''} FROM ${this.table} WHERE ${where} ORDER BY seq`, params);
    // pgvector's text form of a vector is a JSON array of numbers.
    return rows.map((row) => (includeEmbeddings ? { ...toChunk(row), embedding: JSON.parse(row.embedding!) as number[] } : toChunk(row)));
  }

  /** Replaces the metadata of a file's chunks in one statement (so all or nothing). */
  async updateMetadata(client: ClientBase, fileId: string, metadata: Record<string, unknown>): Promise<void> {
    await client.query(`UPDATE ${this.table} SET metadata = $1::jsonb WHERE file_id = $2`, [JSON.stringify(metadata), fileId]);
  }

  /**
   * The `limit` chunks nearest `embedding`, best first. Runs in the caller's transaction, whose
   * search settings (ef_search, probes, iterative scans) it sets locally. An approximate index
   * may return fewer rows than asked (a filter drops most of its candidates, an IVFFlat probe
   * misses); the query then runs again without index scans, exactly, so `limit` results come
   * back whenever that many chunks match.
   */
  async nearest(client: ClientBase, embedding: readonly number[], limit: number, filter: AttributeFilter | undefined, settings: readonly string[]): Promise<ChunkMatch[]> {
    const params: unknown[] = [vectorBinary(embedding)];
    const where = filter ? ` WHERE ${attributeFilterToSql(filter, 'metadata', params)}` : '';
    params.push(limit);
    const { operator, score } = METRICS[this.metric];
    const sql = `SELECT id, content, metadata, chunk_metadata, embedding ${operator} $1::vector AS distance FROM ${this.table}${where} ORDER BY distance LIMIT $${params.length}`;
    if (settings.length) await client.query(settings.map((setting) => `SET LOCAL ${setting}`).join('; '));
    let { rows } = await client.query<ChunkRow>(sql, params);
    if (rows.length < limit && this.hasVectorIndex) {
      await client.query('SET LOCAL enable_indexscan = off');
      ({ rows } = await client.query<ChunkRow>(sql, params));
    }
    return rows.map((row) => toMatch(row, score(row.distance!)));
  }

  /** The `limit` chunks best matching the words of `text` by ts_rank, best first. */
  async keyword(client: ClientBase, text: string, limit: number, filter: AttributeFilter | undefined): Promise<ChunkMatch[]> {
    const words = tsQuery(text);
    if (!words) return [];
    const params: unknown[] = [words];
    const condition = filter ? ` AND ${attributeFilterToSql(filter, 'metadata', params)}` : '';
    params.push(limit);
    const { rows } = await client.query<ChunkRow>(
      `SELECT id, content, metadata, chunk_metadata, ts_rank(tokens, query) AS rank
       FROM ${this.table}, to_tsquery('english', $1) AS query
       WHERE tokens @@ query${condition}
       ORDER BY rank DESC, id LIMIT $${params.length}`,
      params,
    );
    return rows.map((row) => toMatch(row, row.rank!));
  }

  private async vectorIndexExists(client: ClientBase): Promise<boolean> {
    const { rows } = await client.query(
      `SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
       WHERE i.indrelid = to_regclass($1) AND am.amname IN ('hnsw', 'ivfflat')`,
      [this.table],
    );
    return rows.length > 0;
  }
}
