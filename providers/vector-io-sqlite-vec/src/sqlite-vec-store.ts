import type { SqliteConnection } from '@cria/sqlite';
import type { AttributeFilter, ChunkMatch, ChunkSelector, StoredChunk, VectorChunk } from '@cria/api';
import { attributeFilterToSql } from './sqlite-vec-filter.js';
import type { SqliteVecReader } from './sqlite-vec-reader.js';

/** sqlite-vec refuses KNN queries asking for more neighbours than this. */
const MAX_KNN = 4096;

interface ChunkRow {
  chunk_id: string;
  content: string;
  metadata: string;
  chunk_metadata: string;
  distance?: number;
  rank?: number;
}

/** The Euclidean length of a vector. */
export function vectorNorm(values: readonly number[]): number {
  let sum = 0;
  for (const value of values) sum += value * value;
  return Math.sqrt(sum);
}

/** Unit vector of `values` (whose length is `norm`) as the float32 blob sqlite-vec reads. */
export function unitVectorBlob(values: readonly number[], norm = vectorNorm(values)): Buffer {
  const vector = new Float32Array(values.length);
  for (let index = 0; index < values.length; index++) vector[index] = values[index]! / norm;
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}

/** The embedding a unit vector blob was made from, given its length (to float32 precision). */
export function scaledVector(blob: Uint8Array, norm: number): number[] {
  const floats = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const values = new Array<number>(blob.byteLength / 4);
  for (let index = 0; index < values.length; index++) values[index] = floats.getFloat32(4 * index, true) * norm;
  return values;
}

/**
 * An FTS5 query matching any word of `text` (bm25 ranks chunks with more of them, and rarer
 * ones, higher). Words are quoted, so the user's text is never read as FTS5 syntax. Null when
 * the text has no word.
 */
export function ftsQuery(text: string): string | null {
  const words = [...new Set(text.toLowerCase().match(/[\p{L}\p{N}\p{M}]+/gu) ?? [])];
  return words.length ? words.map((word) => `"${word}"`).join(' OR ') : null;
}

/**
 * The tables of one vector store in the chunks database: `<base>_chunks` (content, JSON
 * metadata and the embedding's length, keyed by an integer rowid), `<base>_vec` (a sqlite-vec
 * vec0 table with the unit embedding under the same rowid) and `<base>_fts` (a contentless FTS5
 * index of the content, same rowid). Embeddings are stored normalised and searched by L2
 * distance: on unit vectors that ranks exactly as cosine similarity (cos = 1 − d²/2) and
 * sqlite-vec computes it faster; the length kept beside gives the inserted embedding back.
 * Rowids grow with each insert (a replaced chunk gets a new one), so they are the insertion order.
 */
export class SqliteVecStore {
  private readonly chunks: string;
  private readonly vectors: string;
  private readonly keywords: string;
  constructor(
    private readonly db: SqliteConnection,
    private readonly base: string,
    readonly dimension: number,
  ) {
    this.chunks = `"${base}_chunks"`;
    this.vectors = `"${base}_vec"`;
    this.keywords = `"${base}_fts"`;
  }

  /** Creates the tables if they do not exist. */
  create(): void {
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS ${this.chunks} (
        rowid INTEGER PRIMARY KEY,
        chunk_id TEXT NOT NULL UNIQUE,
        file_id TEXT,
        content TEXT NOT NULL,
        metadata TEXT NOT NULL,
        chunk_metadata TEXT NOT NULL,
        norm REAL NOT NULL
      );
      CREATE INDEX IF NOT EXISTS "${this.base}_file_id" ON ${this.chunks} (file_id);
      CREATE VIRTUAL TABLE IF NOT EXISTS ${this.vectors} USING vec0(embedding float[${this.dimension}] distance_metric=l2);
      CREATE VIRTUAL TABLE IF NOT EXISTS ${this.keywords} USING fts5(content, content='', contentless_delete=1, tokenize='porter unicode61 remove_diacritics 2');
    `);
  }

  /** The dimension the vec0 table was created with (it may predate this definition). */
  storedDimension(): number | null {
    const row = this.db.prepare(`SELECT sql FROM sqlite_master WHERE name = ?`).get<{ sql: string }>(`${this.base}_vec`);
    const match = row?.sql.match(/float\[(\d+)\]/i);
    return match ? Number(match[1]) : null;
  }

  drop(): void {
    // The kept statements name the dropped tables.
    this.db.forgetStatements();
    this.db.exec(`DROP TABLE IF EXISTS ${this.chunks}; DROP TABLE IF EXISTS ${this.vectors}; DROP TABLE IF EXISTS ${this.keywords};`);
  }

  /** Inserts (or replaces, by chunk id) chunks whose embeddings were checked; the caller holds the transaction. */
  insert(chunks: readonly VectorChunk[]): void {
    const insertChunk = this.db.statement(`INSERT INTO ${this.chunks} (chunk_id, file_id, content, metadata, chunk_metadata, norm) VALUES (?, ?, ?, ?, ?, ?)`);
    const insertVector = this.db.statement(`INSERT INTO ${this.vectors} (rowid, embedding) VALUES (?, ?)`);
    const insertKeywords = this.db.statement(`INSERT INTO ${this.keywords} (rowid, content) VALUES (?, ?)`);
    this.removeRows(this.rowids(...selection({ chunkIds: chunks.map((chunk) => chunk.chunkId) })));
    for (const chunk of chunks) {
      const chunkMetadata = chunk.chunkMetadata ?? {};
      const fileId = typeof chunkMetadata.file_id === 'string' ? chunkMetadata.file_id : null;
      const norm = vectorNorm(chunk.embedding);
      const { lastInsertRowid } = insertChunk.run(chunk.chunkId, fileId, chunk.content, JSON.stringify(chunk.metadata ?? {}), JSON.stringify(chunkMetadata), norm);
      // vec0 accepts only integer-typed rowids, so bind a BigInt.
      const rowid = BigInt(lastInsertRowid);
      insertVector.run(rowid, unitVectorBlob(chunk.embedding, norm));
      insertKeywords.run(rowid, chunk.content);
    }
  }

  /** Deletes the selected chunks; the caller holds the transaction. */
  delete(selector: ChunkSelector): void {
    this.removeRows(this.rowids(...selection(selector)));
  }

  /** The selected chunks in insertion order, with their embeddings when asked; the caller holds the transaction (one snapshot). */
  list(selector: ChunkSelector, includeEmbeddings: boolean): StoredChunk[] {
    const [where, params] = selection(selector);
    const rows = this.db.statement(`SELECT rowid, chunk_id, content, metadata, chunk_metadata, norm FROM ${this.chunks} WHERE ${where} ORDER BY rowid`).all(...params) as unknown as (ChunkRow & { rowid: number; norm: number })[];
    const embeddingOf = includeEmbeddings ? this.db.statement(`SELECT embedding FROM ${this.vectors} WHERE rowid = ?`) : null;
    return rows.map((row) => (embeddingOf ? { ...toChunk(row), embedding: scaledVector(embeddingOf.value(BigInt(row.rowid)) as Uint8Array, row.norm) } : toChunk(row)));
  }

  /** Replaces the metadata of a file's chunks in one statement (so all or nothing). */
  updateMetadata(fileId: string, metadata: Record<string, unknown>): void {
    this.db.statement(`UPDATE ${this.chunks} SET metadata = ? WHERE file_id = ?`).run(JSON.stringify(metadata), fileId);
  }

  /**
   * The `limit` chunks nearest `embedding`, best first, scored by cosine similarity. With a
   * filter, the matching rowids are selected first and the KNN search runs among them only, so
   * `limit` results come back whenever that many chunks match.
   */
  async nearest(embedding: readonly number[], limit: number, filter: AttributeFilter | undefined, reader: SqliteVecReader): Promise<ChunkMatch[]> {
    const query = unitVectorBlob(embedding);
    let candidates: { sql: string; params: unknown[] } | null = null;
    let candidateCount = Infinity;
    if (filter) {
      const condition = attributeFilterToSql(filter, 'metadata');
      const rowids = await reader.all<number>({ sql: `SELECT rowid FROM ${this.chunks} WHERE ${condition.sql}`, params: condition.params, column: true });
      if (rowids.length === 0) return [];
      candidates = { sql: 'rowid IN (SELECT value FROM json_each(?))', params: [JSON.stringify(rowids)] };
      candidateCount = rowids.length;
    }
    const k = Math.min(limit, candidateCount);
    let rows: ChunkRow[];
    if (k <= MAX_KNN) {
      rows = await reader.all<ChunkRow>({
        sql: `WITH knn AS (SELECT rowid, distance FROM ${this.vectors} WHERE embedding MATCH ? AND k = ?${candidates ? ` AND ${candidates.sql}` : ''})
           SELECT c.chunk_id, c.content, c.metadata, c.chunk_metadata, knn.distance FROM knn JOIN ${this.chunks} AS c ON c.rowid = knn.rowid ORDER BY knn.distance, c.rowid`,
        params: [query, k, ...(candidates?.params ?? [])],
      });
    } else {
      // Past sqlite-vec's KNN limit: an exact scan computing every distance.
      rows = await reader.all<ChunkRow>({
        sql: `SELECT c.chunk_id, c.content, c.metadata, c.chunk_metadata, vec_distance_l2(v.embedding, ?) AS distance
           FROM ${this.vectors} AS v JOIN ${this.chunks} AS c ON c.rowid = v.rowid${candidates ? ` WHERE v.${candidates.sql}` : ''}
           ORDER BY distance, c.rowid LIMIT ?`,
        params: [query, ...(candidates?.params ?? []), k],
      });
    }
    return rows.map((row) => toMatch(row, 1 - (row.distance! * row.distance!) / 2));
  }

  /** The `limit` chunks best matching the words of `text` by bm25, best first (score: −bm25, higher is better). */
  async keyword(text: string, limit: number, filter: AttributeFilter | undefined, reader: SqliteVecReader): Promise<ChunkMatch[]> {
    const match = ftsQuery(text);
    if (!match) return [];
    const condition = filter ? attributeFilterToSql(filter, 'c.metadata') : null;
    const rows = await reader.all<ChunkRow>({
      sql: `SELECT c.chunk_id, c.content, c.metadata, c.chunk_metadata, bm25(${this.keywords}) AS rank
         FROM ${this.keywords} JOIN ${this.chunks} AS c ON c.rowid = ${this.keywords}.rowid
         WHERE ${this.keywords} MATCH ?${condition ? ` AND ${condition.sql}` : ''}
         ORDER BY rank, c.rowid LIMIT ?`,
      params: [match, ...(condition?.params ?? []), limit],
    });
    return rows.map((row) => toMatch(row, -row.rank!));
  }

  private rowids(where: string, params: unknown[]): number[] {
    return this.db.prepare(`SELECT rowid FROM ${this.chunks} WHERE ${where}`).column(...params) as number[];
  }

  /** Deletes rows one rowid at a time: vec0 and FTS5 only find rows fast by an equality on rowid. */
  private removeRows(rowids: readonly number[]): void {
    const deletes = [this.vectors, this.keywords, this.chunks].map((table) => this.db.statement(`DELETE FROM ${table} WHERE rowid = ?`));
    for (const rowid of rowids) for (const statement of deletes) statement.run(BigInt(rowid));
  }
}

/** The WHERE clause on the chunks table (and its parameters) that picks the selected chunks. */
function selection(selector: ChunkSelector): [string, unknown[]] {
  return 'fileId' in selector ? ['file_id = ?', [selector.fileId]] : ['chunk_id IN (SELECT value FROM json_each(?))', [JSON.stringify(selector.chunkIds)]];
}

function toChunk(row: ChunkRow): StoredChunk {
  return {
    chunkId: row.chunk_id,
    content: row.content,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    chunkMetadata: JSON.parse(row.chunk_metadata) as Record<string, unknown>,
  };
}

function toMatch(row: ChunkRow, score: number): ChunkMatch {
  return { ...toChunk(row), score };
}
