/**
 * `pnpm bench vectors`: the vector IO providers on N chunks (100,000 by default) of 384
 * dimensions with a deterministic clustered embedding (unit vectors scattered around random
 * centres, so nearest neighbours are meaningful). For inline::sqlite-vec (exact search) and
 * remote::pgvector with HNSW and with IVFFlat (on PGlite: WASM PostgreSQL behind pglite-socket,
 * reached with the real `pg` client) it prints: ingest rate (chunks/s through insertChunks, in
 * batches, embeddings computed beforehand), top-10 search latency p50 and p99 over the queries,
 * and recall@10 against an exact brute-force search done here in JavaScript.
 *
 * An index is built once; each further search setting (--ef-search, --probes) reopens the
 * provider on the same store with that setting and measures search only.
 *
 * Options: --chunks <n> (default 100000), --dimension <n> (384), --queries <n> (200),
 * --clusters <n> (100), --batch <n> (chunks per insert, 1000), --only <sqlite-vec|hnsw|ivfflat,...>,
 * --ef-search <n,...> (HNSW, default 40,200: Llama Stack's default, then one reaching recall@10 0.95 here), --probes <n,...> (IVFFlat, 10).
 */
import { parseArgs } from 'node:util';
import type { AnyProviderSpec, VectorChunk, VectorIOProvider } from '@cria/api';
import pgvectorProvider from '@cria/provider-vector-io-pgvector';
import sqliteVecProvider from '@cria/provider-vector-io-sqlite-vec';
import { createTestProvider, type PgliteServer, seededRandom, startPgliteServer, temporaryDirectory } from '@cria/testing';

const { values } = parseArgs({
  options: {
    chunks: { type: 'string', default: '100000' },
    dimension: { type: 'string', default: '384' },
    queries: { type: 'string', default: '200' },
    clusters: { type: 'string', default: '100' },
    batch: { type: 'string', default: '1000' },
    only: { type: 'string', default: 'sqlite-vec,hnsw,ivfflat' },
    'ef-search': { type: 'string', default: '40,200' },
    probes: { type: 'string', default: '10' },
  },
});
const CHUNKS = Number(values.chunks);
const DIMENSION = Number(values.dimension);
const QUERIES = Number(values.queries);
const CLUSTERS = Number(values.clusters);
const BATCH = Number(values.batch);
const K = 10;
const WARMUP = 10;
const selected = new Set(values.only!.split(','));
const EF_SEARCH = values['ef-search']!.split(',').map(Number);
const PROBES = values.probes!.split(',').map(Number);

/** A standard normal sample (Box-Muller). */
function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** Writes normalize(centre + spread × noise) into `target` at row `row`. */
function clusteredUnitVector(random: () => number, centre: Float32Array, spread: number, target: Float32Array, row: number): void {
  const offset = row * DIMENSION;
  let norm = 0;
  for (let index = 0; index < DIMENSION; index++) {
    const value = centre[index]! + spread * gaussian(random);
    target[offset + index] = value;
    norm += value * value;
  }
  norm = Math.sqrt(norm);
  for (let index = 0; index < DIMENSION; index++) target[offset + index]! /= norm;
}

/** The deterministic corpus and queries: cluster centres are unit vectors; noise per dimension is spread / √dimension. */
function embeddings(): { corpus: Float32Array; queries: Float32Array } {
  const random = seededRandom(42);
  const centres = new Float32Array(CLUSTERS * DIMENSION);
  for (let cluster = 0; cluster < CLUSTERS; cluster++) clusteredUnitVector(random, new Float32Array(DIMENSION), 1, centres, cluster);
  const spread = 1.2 / Math.sqrt(DIMENSION);
  const corpus = new Float32Array(CHUNKS * DIMENSION);
  for (let row = 0; row < CHUNKS; row++) clusteredUnitVector(random, centres.subarray((row % CLUSTERS) * DIMENSION, ((row % CLUSTERS) + 1) * DIMENSION), spread, corpus, row);
  const queries = new Float32Array(QUERIES * DIMENSION);
  for (let row = 0; row < QUERIES; row++) {
    const cluster = Math.floor(random() * CLUSTERS);
    clusteredUnitVector(random, centres.subarray(cluster * DIMENSION, (cluster + 1) * DIMENSION), spread, queries, row);
  }
  return { corpus, queries };
}

/** The exact top-k chunk indexes of each query by inner product (cosine: every vector is a unit vector). */
function exactNearest(corpus: Float32Array, queries: Float32Array): number[][] {
  const answers: number[][] = [];
  for (let query = 0; query < QUERIES; query++) {
    const q = queries.subarray(query * DIMENSION, (query + 1) * DIMENSION);
    const best = new Float64Array(K).fill(-Infinity);
    const ids = new Int32Array(K).fill(-1);
    for (let row = 0; row < CHUNKS; row++) {
      const offset = row * DIMENSION;
      let dot = 0;
      for (let index = 0; index < DIMENSION; index++) dot += corpus[offset + index]! * q[index]!;
      if (dot <= best[K - 1]!) continue;
      let position = K - 1;
      while (position > 0 && best[position - 1]! < dot) {
        best[position] = best[position - 1]!;
        ids[position] = ids[position - 1]!;
        position--;
      }
      best[position] = dot;
      ids[position] = row;
    }
    answers.push([...ids]);
  }
  return answers;
}

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}

interface Result {
  provider: string;
  index: string;
  /** Null for a search setting measured on an index built for an earlier row. */
  ingestPerSecond: number | null;
  p50Ms: number;
  p99Ms: number;
  recall: number;
}

/** Registers the store and inserts the corpus in batches; returns chunks per second of insertChunks time. */
async function ingest(label: string, impl: VectorIOProvider, storeId: string, corpus: Float32Array): Promise<number> {
  await impl.registerVectorStore({ id: storeId, embeddingModel: 'bench-embedding', embeddingDimension: DIMENSION });
  let insertMs = 0;
  for (let start = 0; start < CHUNKS; start += BATCH) {
    const batch: VectorChunk[] = [];
    for (let row = start; row < Math.min(CHUNKS, start + BATCH); row++) {
      batch.push({
        chunkId: `chunk-${row}`,
        content: `chunk ${row} of cluster ${row % CLUSTERS}`,
        embedding: Array.from(corpus.subarray(row * DIMENSION, (row + 1) * DIMENSION)),
        metadata: { cluster: row % CLUSTERS },
        chunkMetadata: { file_id: `file-${Math.floor(row / BATCH)}` },
      });
    }
    const started = performance.now();
    await impl.insertChunks(storeId, batch);
    insertMs += performance.now() - started;
    if ((start / BATCH) % 10 === 9) process.stderr.write(`  ${label}: ${start + batch.length} chunks, ${Math.round(((start + batch.length) * 1000) / insertMs)}/s\n`);
  }
  return (CHUNKS * 1000) / insertMs;
}

/** Top-k latency percentiles over the queries (after a warm-up) and recall@k against the exact answers. */
async function search(impl: VectorIOProvider, storeId: string, queries: Float32Array, exact: number[][]): Promise<Pick<Result, 'p50Ms' | 'p99Ms' | 'recall'>> {
  const latencies: number[] = [];
  let found = 0;
  for (let query = -WARMUP; query < QUERIES; query++) {
    const row = query < 0 ? QUERIES + query : query;
    const embedding = Array.from(queries.subarray(row * DIMENSION, (row + 1) * DIMENSION));
    const started = performance.now();
    const matches = await impl.queryChunks(storeId, { mode: 'vector', embedding, maxChunks: K });
    if (query < 0) continue;
    latencies.push(performance.now() - started);
    const expected = new Set(exact[row]!.map((id) => `chunk-${id}`));
    found += matches.filter((match) => expected.has(match.chunkId)).length;
  }
  latencies.sort((a, b) => a - b);
  return { p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99), recall: found / (QUERIES * K) };
}

async function run(): Promise<void> {
  console.log(`vectors benchmark: ${CHUNKS} chunks × ${DIMENSION} dimensions in ${CLUSTERS} clusters, ${QUERIES} top-${K} queries, inserts of ${BATCH}`);
  let started = performance.now();
  const { corpus, queries } = embeddings();
  console.log(`embedded in ${((performance.now() - started) / 1000).toFixed(1)} s (not counted in ingest rates)`);
  started = performance.now();
  const exact = exactNearest(corpus, queries);
  console.log(`exact answers (JavaScript brute force) in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const results: Result[] = [];
  const temp = temporaryDirectory('cria-bench-vectors-');
  let server: PgliteServer | undefined;
  const persistence = { backend: 'kv_default', namespace: 'bench' };
  const lists = Math.max(2, Math.round(CHUNKS / 1000));
  const hnsw = (efSearch: number) => ({ type: 'HNSW', m: 16, ef_construction: 64, ef_search: efSearch });
  const ivfflat = (probes: number) => ({ type: 'IVFFlat', lists, probes: Math.min(probes, lists - 1) });
  /** Per target, its search settings: the first one ingests, the others reopen the same store. */
  const targets: { key: string; provider: string; spec: AnyProviderSpec & { api: 'vector_io' }; variants: { index: string; config: () => Promise<Record<string, unknown>> }[] }[] = [
    { key: 'sqlite-vec', provider: 'inline::sqlite-vec', spec: sqliteVecProvider, variants: [{ index: 'exact', config: async () => ({ db_path: 'sqlite_vec.db', persistence }) }] },
    {
      key: 'hnsw',
      provider: 'remote::pgvector (PGlite)',
      spec: pgvectorProvider,
      variants: EF_SEARCH.map((efSearch) => ({ index: `HNSW ef_search ${efSearch}`, config: async () => ({ ...(await pglite()), vector_index: hnsw(efSearch), persistence: { ...persistence, namespace: 'hnsw' } }) })),
    },
    {
      key: 'ivfflat',
      provider: 'remote::pgvector (PGlite)',
      spec: pgvectorProvider,
      variants: PROBES.map((probes) => ({ index: `IVFFlat probes ${Math.min(probes, lists - 1)}`, config: async () => ({ ...(await pglite()), vector_index: ivfflat(probes), persistence: { ...persistence, namespace: 'ivfflat' } }) })),
    },
  ];
  async function pglite(): Promise<Record<string, unknown>> {
    server ??= await startPgliteServer();
    return { host: server.host, port: server.port, db: server.database, user: server.user, password: server.password };
  }
  try {
    for (const target of targets.filter((candidate) => selected.has(candidate.key))) {
      for (const [position, variant] of target.variants.entries()) {
        const provider = await createTestProvider(target.spec, await variant.config(), { dataDir: temp.dir, providerId: target.key });
        try {
          const storeId = `vs_bench_${target.key}`;
          const ingestPerSecond = position === 0 ? await ingest(`${target.provider} ${variant.index}`, provider.impl, storeId, corpus) : null;
          results.push({ provider: target.provider, index: variant.index, ingestPerSecond, ...(await search(provider.impl, storeId, queries, exact)) });
        } finally {
          await provider.close();
        }
      }
    }
  } finally {
    await server?.close();
    temp.remove();
  }

  const rows = [
    ['provider', 'index', 'ingest chunks/s', 'search p50 ms', 'search p99 ms', 'recall@10'],
    ...results.map((result) => [result.provider, result.index, result.ingestPerSecond === null ? '(same index)' : result.ingestPerSecond.toFixed(0), result.p50Ms.toFixed(1), result.p99Ms.toFixed(1), result.recall.toFixed(3)]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  console.log('');
  for (const [position, row] of rows.entries()) {
    console.log(row.map((cell, column) => (column < 2 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  '));
    if (position === 0) console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  }
  console.log('');
  console.log('Targets: sqlite-vec p50 <= 80 ms (exact); pgvector HNSW p50 <= 15 ms with recall@10 >= 0.95; ingest >= 2,000 chunks/s.');
  if (results.some((result) => result.provider.includes('PGlite'))) {
    console.log('pgvector ran on PGlite (PostgreSQL compiled to WASM, single-threaded, behind pglite-socket): its figures are not a native PostgreSQL server\'s.');
  }
  if (results.some((result) => result.index.startsWith('IVFFlat'))) {
    console.log(`IVFFlat: lists ${lists}; the index is built when the store reaches lists × 1000 chunks, inside the last insert (counted in its ingest rate).`);
  }
}

await run();
