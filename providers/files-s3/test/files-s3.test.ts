import { CreateBucketCommand, DeleteObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import S3rver from '@20minutes/s3rver';
import OpenAI, { toFile } from 'openai';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthenticationError, type FilesProvider, type FileUpload, InvalidRequestError, NotFoundError, type RequestContext, UnavailableError } from '@cria/api';
import { clientFailure, closedPort, createTestProvider, describeFilesContract, restartableProvider, startTestServer, temporaryDirectory, type TestProvider } from '@cria/testing';
import s3 from '../src/index.js';

const context: RequestContext = { signal: new AbortController().signal, providerData: null };
const ACCESS = { aws_access_key_id: 'S3RVER', aws_secret_access_key: 'S3RVER' };

async function* chunks(...parts: (string | Buffer)[]): AsyncIterable<Uint8Array> {
  for (const part of parts) yield Buffer.from(part);
}

function upload(content: AsyncIterable<Uint8Array>, overrides: Partial<FileUpload> = {}): FileUpload {
  return { filename: 'notes.txt', content, fields: async () => ({ purpose: 'assistants' }), ...overrides };
}

async function bytesOf(files: FilesProvider, id: string): Promise<Buffer> {
  const content = await files.retrieveFileContent(id);
  const parts: Buffer[] = [];
  for await (const part of content.stream) parts.push(Buffer.from(part));
  return Buffer.concat(parts);
}

/** A port nothing listens on: bound, then released. */
// s3rver: an S3 server (the REST API the SDK speaks, XML errors, multipart) on 127.0.0.1. It checks
// the access key; its signature check disagrees with the current SDK's canonical request, so it is off.
let server: S3rver;
let serverDir: ReturnType<typeof temporaryDirectory>;
let endpoint: string;
let bucketCount = 0;
const freshBucket = () => `cria-files-${process.pid}-${++bucketCount}`;

beforeAll(async () => {
  serverDir = temporaryDirectory('s3rver-');
  server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: serverDir.dir, allowMismatchedSignatures: true });
  endpoint = `http://127.0.0.1:${(await server.run()).port}`;
});
afterAll(async () => {
  await server.close();
  serverDir.remove();
});

function bucketClient(): S3Client {
  return new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
}

async function objectKeys(bucket: string): Promise<string[]> {
  const client = bucketClient();
  try {
    const listing = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    return (listing.Contents ?? []).map((object) => object.Key!);
  } finally {
    client.destroy();
  }
}

describeFilesContract(
  'remote::s3',
  () => {
    const bucket = freshBucket();
    return restartableProvider(s3, async () => ({ bucket_name: bucket, endpoint_url: endpoint, auto_create_bucket: true, ...ACCESS, metadata_store: { backend: 'sql_default' }, max_file_size_bytes: 1024 }));
  },
  { maxFileSizeBytes: 1024 },
);

describe('remote::s3', () => {
  let data: ReturnType<typeof temporaryDirectory>;
  let provider: TestProvider<FilesProvider> | undefined;
  const open = (config: Record<string, unknown>) => createTestProvider(s3, { metadata_store: { backend: 'sql_default' }, ...ACCESS, ...config }, { dataDir: data.dir });

  beforeEach(() => {
    data = temporaryDirectory();
  });
  afterEach(async () => {
    await provider?.close();
    provider = undefined;
    data.remove();
  });

  it("accepts Llama Stack's keys and fills its defaults (table s3_files_metadata)", async () => {
    provider = await open({ bucket_name: freshBucket(), endpoint_url: endpoint, auto_create_bucket: true });
    expect(provider.config).toMatchObject({ region: 'us-east-1', auto_create_bucket: true, metadata_store: { backend: 'sql_default', table_name: 's3_files_metadata' } });
    await expect(open({ bucket_name: 'x', endpoint_url: endpoint, unknown_key: 1 })).rejects.toThrow(/unknown_key|additional/);
  });

  it('streams a multipart-sized upload into one object keyed by the file id, and back out', async () => {
    const bucket = freshBucket();
    provider = await open({ bucket_name: bucket, endpoint_url: endpoint, auto_create_bucket: true });
    const piece = Buffer.alloc(256 * 1024);
    for (let index = 0; index < piece.length; index++) piece[index] = (index * 31) % 251;
    async function* sixMegabytes(): AsyncIterable<Uint8Array> {
      for (let count = 0; count < 24; count++) yield piece;
    }
    const file = await provider.impl.uploadFile(upload(sixMegabytes(), { filename: '../big.bin' }), context);
    expect(file).toMatchObject({ bytes: 24 * piece.length, filename: 'big.bin' });
    expect(await objectKeys(bucket)).toEqual([file.id]);
    const back = await bytesOf(provider.impl, file.id);
    expect(back.length).toBe(24 * piece.length);
    expect(back.subarray(5 * 1024 * 1024, 5 * 1024 * 1024 + piece.length).equals(piece)).toBe(true);
    await provider.impl.deleteFile(file.id);
    expect(await objectKeys(bucket)).toEqual([]);
  });

  it('writes the metadata only once the object is stored, and removes the object when the fields are refused', async () => {
    const bucket = freshBucket();
    provider = await open({ bucket_name: bucket, endpoint_url: endpoint, auto_create_bucket: true });
    const refused = upload(chunks('stored, then refused'), { fields: () => Promise.reject(new InvalidRequestError("Missing required parameter: 'purpose'.", { param: 'purpose' })) });
    await expect(provider.impl.uploadFile(refused, context)).rejects.toBeInstanceOf(InvalidRequestError);
    expect(await objectKeys(bucket)).toEqual([]);
    expect((await provider.impl.listFiles({})).data).toEqual([]);
  });

  it('creates a missing bucket only with auto_create_bucket; without it, names the bucket and the setting', async () => {
    const bucket = freshBucket();
    provider = await open({ bucket_name: bucket, endpoint_url: endpoint });
    const health = await provider.impl.health!();
    expect(health.status).toBe('Error');
    expect(health.message).toContain(`'${bucket}' does not exist`);
    expect(health.message).toContain('auto_create_bucket');
    await expect(provider.impl.uploadFile(upload(chunks('x')), context)).rejects.toBeInstanceOf(UnavailableError);

    const client = bucketClient();
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    client.destroy();
    // A bucket made meanwhile is found by the next request.
    const file = await provider.impl.uploadFile(upload(chunks('now it exists')), context);
    expect((await bytesOf(provider.impl, file.id)).toString()).toBe('now it exists');
    expect(await provider.impl.health!()).toEqual({ status: 'OK' });
  });

  it('starts with S3 unreachable: health names the endpoint, requests answer 503 and keep nothing', async () => {
    const deadEndpoint = `http://127.0.0.1:${await closedPort()}`;
    provider = await open({ bucket_name: 'cria-unreachable', endpoint_url: deadEndpoint, auto_create_bucket: true });
    const health = await provider.impl.health!();
    expect(health).toMatchObject({ status: 'Error' });
    expect(health.message).toContain(deadEndpoint);
    const failed = provider.impl.uploadFile(upload(chunks('lost')), context);
    await expect(failed).rejects.toBeInstanceOf(UnavailableError);
    await expect(failed).rejects.toThrow(/does not answer \(ECONNREFUSED\)/);
    expect((await provider.impl.listFiles({})).data).toEqual([]);
  });

  it('reports refused credentials as an authentication error naming the keys', async () => {
    provider = await open({ bucket_name: freshBucket(), endpoint_url: endpoint, auto_create_bucket: true, aws_access_key_id: 'WRONG', aws_secret_access_key: 'WRONG' });
    const failed = provider.impl.uploadFile(upload(chunks('x')), context);
    await expect(failed).rejects.toBeInstanceOf(AuthenticationError);
    await expect(failed).rejects.toThrow(/AWS_ACCESS_KEY_ID/);
    expect((await provider.impl.health!()).message).toContain('aws_access_key_id');
  });

  it('forgets a file whose object disappeared', async () => {
    const bucket = freshBucket();
    provider = await open({ bucket_name: bucket, endpoint_url: endpoint, auto_create_bucket: true });
    const file = await provider.impl.uploadFile(upload(chunks('vanishing')), context);
    const client = bucketClient();
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: file.id }));
    client.destroy();
    await expect(provider.impl.retrieveFileContent(file.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(provider.impl.retrieveFile(file.id)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('remote::s3 behind the server, with the openai client', () => {
  const data = temporaryDirectory();
  afterAll(() => data.remove());

  async function serve(endpointUrl: string, bucket: string) {
    const server = await startTestServer({
      distribution: {
        apis: ['files'],
        providers: { files: [{ provider_id: 's3', provider_type: 'remote::s3', config: { bucket_name: bucket, endpoint_url: endpointUrl, auto_create_bucket: true, ...ACCESS, metadata_store: { backend: 'sql_default', table_name: 's3_files_metadata' } } }] },
      },
      dataDir: data.dir,
    });
    return { server, client: new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 }) };
  }

  it('uploads, lists, downloads and deletes through the files routes', async () => {
    const bucket = freshBucket();
    const { server, client } = await serve(endpoint, bucket);
    try {
      const file = await client.files.create({ file: await toFile(Buffer.from('{"a": 1}\n'), 'rows.jsonl'), purpose: 'batch' });
      expect(file).toMatchObject({ object: 'file', filename: 'rows.jsonl', purpose: 'batch', bytes: 9 });
      expect(await objectKeys(bucket)).toEqual([file.id]);
      expect((await client.files.list({ purpose: 'batch' })).data.map((entry) => entry.id)).toEqual([file.id]);
      expect(await (await client.files.content(file.id)).text()).toBe('{"a": 1}\n');
      expect(await client.files.delete(file.id)).toMatchObject({ id: file.id, deleted: true });
      expect(await objectKeys(bucket)).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('starts with S3 down and answers 503 naming the endpoint', async () => {
    const deadEndpoint = `http://127.0.0.1:${await closedPort()}`;
    const { server, client } = await serve(deadEndpoint, 'cria-down');
    try {
      const failure = await clientFailure(client.files.create({ file: await toFile(Buffer.from('x'), 'x.txt'), purpose: 'assistants' }));
      expect(failure.status).toBe(503);
      expect(failure.error.message).toContain(deadEndpoint);
      expect((await client.files.list()).data).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
