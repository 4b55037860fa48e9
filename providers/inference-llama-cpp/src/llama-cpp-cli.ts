import { closeSync, existsSync, openSync, readdirSync, readSync, statSync, unlinkSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { resolveConfigPath } from '@cria/api';
import { DEFAULT_MODELS_DIR } from './llama-cpp-config.js';
import { type DownloadProgress, downloadModel, listRepositoryFiles, ModelDownloadError } from './llama-cpp-download.js';
import { isDownloadable, parseModelSource } from './llama-cpp-model-source.js';

/** Where `cria pull` and `cria models` look: `--models-dir`, else CRIA_MODELS_DIR, else ~/.cria/models. */
export function modelsDirectory(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolveConfigPath(option || env.CRIA_MODELS_DIR || DEFAULT_MODELS_DIR, process.cwd());
}

/** `12.3 MB`, in powers of 1000 as download tools show. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const whole = Math.round(seconds);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const rest = String(whole % 60).padStart(2, '0');
  return hours ? `${hours}:${String(minutes).padStart(2, '0')}:${rest}` : `${minutes}:${rest}`;
}

/**
 * A progress bar for stderr: size, speed and ETA, redrawn in place on a terminal and written as
 * a line every 10% otherwise (logs stay readable).
 */
export class ProgressBar {
  private readonly started = Date.now();
  private lastPercent = -10;

  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
    private readonly label: string,
  ) {}

  update(progress: DownloadProgress): void {
    const seconds = Math.max((Date.now() - this.started) / 1000, 0.001);
    const speed = (progress.received - progress.resumedFrom) / seconds;
    const total = progress.total;
    const percent = total ? Math.min(100, (progress.received / total) * 100) : null;
    const eta = total && speed > 0 ? (total - progress.received) / speed : Number.NaN;
    const sizes = total ? `${formatBytes(progress.received)} / ${formatBytes(total)}` : formatBytes(progress.received);
    const stats = `${percent === null ? '' : `${percent.toFixed(0).padStart(3)}% `}${sizes}  ${formatBytes(speed)}/s  ETA ${formatDuration(eta)}`;
    if (this.out.isTTY) {
      const width = 24;
      const filled = percent === null ? 0 : Math.round((percent / 100) * width);
      this.out.write(`\r${this.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${stats}\x1b[K`);
    } else if (percent === null || percent >= this.lastPercent + 10 || percent === 100) {
      if (percent !== null) this.lastPercent = Math.floor(percent / 10) * 10;
      this.out.write(`${this.label} ${stats}\n`);
    }
  }

  done(): void {
    if (this.out.isTTY) this.out.write('\n');
  }
}

function isGguf(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const magic = Buffer.alloc(4);
    return readSync(fd, magic, 0, 4, 0) === 4 && magic.toString('latin1') === 'GGUF';
  } finally {
    closeSync(fd);
  }
}

export interface PullOptions {
  modelsDir: string;
  /** The folder name under modelsDir of an `onnx:` pull (the model id a provider is given); `<owner>/<repo>` when absent. */
  name?: string;
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
  stdout?: NodeJS.WritableStream;
  signal?: AbortSignal;
}

/**
 * `cria pull <uri>`: downloads a model into the models directory (resuming a `.part` left by an
 * interrupted pull) and checks it. Returns the exit code; failures are one line on stderr.
 */
export async function pullModel(uri: string, options: PullOptions): Promise<number> {
  const stderr = options.stderr ?? process.stderr;
  const stdout = options.stdout ?? process.stdout;
  const onnx = /^onnx:([\w.-]+)\/([\w.-]+)$/i.exec(uri.trim());
  if (onnx) return pullOnnxExport(onnx[1]!, onnx[2]!, options, stdout, stderr);
  if (/^onnx:/i.test(uri.trim())) {
    stderr.write(`error: '${uri}' is not of the form onnx:<owner>/<repo>\n`);
    return 1;
  }
  let source;
  try {
    source = parseModelSource(uri, options.modelsDir);
  } catch (error) {
    stderr.write(`error: ${(error as Error).message}\n`);
    return 1;
  }
  if (!isDownloadable(source)) {
    stderr.write(`error: '${uri}' is a local path, not something to download; use hf:<owner>/<repo>[:<quant>], hf:<owner>/<repo>/<file.gguf> or an https URL of a .gguf file.\n`);
    return 1;
  }
  const bar = new ProgressBar(stderr, source.localPath.split(/[\\/]/).pop()!);
  try {
    const result = await downloadModel(source, { onProgress: (progress) => bar.update(progress), ...(options.signal ? { signal: options.signal } : {}) });
    bar.done();
    if (!result.alreadyPresent && !isGguf(result.path)) {
      unlinkSync(result.path);
      stderr.write(`error: ${result.url} is not a GGUF model file; it was deleted.\n`);
      return 1;
    }
    const how = result.alreadyPresent ? 'already present' : `downloaded ${formatBytes(result.bytes)}${result.sha256 ? ', sha256 verified' : ', size verified'}`;
    stdout.write(`${result.path} (${how})\nUse it as provider_model_id: ${source.id}\n`);
    return 0;
  } catch (error) {
    bar.done();
    if (error instanceof ModelDownloadError) {
      stderr.write(`error: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

/**
 * What an ONNX export holds that Cria's ONNX providers read (inline::sentence-transformers,
 * inline::transformers, inline::prompt-guard): the configs and tokenizer at the root, the pooling
 * config, the graph and its external weights. Other formats (safetensors, quantized graphs) are left.
 */
const ONNX_EXPORT_FILE = /^(?:[^/]+\.json|1_Pooling\/config\.json|onnx\/model\.onnx(?:_data(?:_\d+)?)?)$/;

/** `cria pull onnx:<owner>/<repo> [--name <id>]`: a repository's ONNX export into `<models dir>/<id>/`, file by file, each verified. */
async function pullOnnxExport(owner: string, repo: string, options: PullOptions, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream & { isTTY?: boolean }): Promise<number> {
  const name = options.name ?? `${owner}/${repo}`;
  const folder = join(options.modelsDir, name);
  if (!resolve(folder).startsWith(resolve(options.modelsDir) + sep)) {
    stderr.write(`error: --name '${name}' must be a folder inside the models directory\n`);
    return 1;
  }
  try {
    const files = (await listRepositoryFiles(owner, repo, folder, options.signal ? { signal: options.signal } : {})).filter((file) => ONNX_EXPORT_FILE.test(file));
    if (!files.includes('onnx/model.onnx')) throw new ModelDownloadError(`${owner}/${repo} has no ONNX export (onnx/model.onnx); export one with optimum-cli export onnx --model ${owner}/${repo} ${folder}`);
    let bytes = 0;
    for (const file of files) {
      const bar = new ProgressBar(stderr, file);
      const result = await downloadModel(
        { kind: 'huggingface', id: `hf:${owner}/${repo}/${file}`, owner, repo, quant: null, file, localPath: join(folder, file) },
        { onProgress: (progress) => bar.update(progress), ...(options.signal ? { signal: options.signal } : {}) },
      );
      bar.done();
      bytes += result.bytes;
    }
    stdout.write(`${folder} (${files.length} files, ${formatBytes(bytes)})\nUse it as the model id: ${name}\n`);
    return 0;
  } catch (error) {
    if (error instanceof ModelDownloadError) {
      stderr.write(`error: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

export interface LocalModel {
  file: string;
  path: string;
  bytes: number;
  /** `incomplete` for a `.part` an interrupted pull left. */
  status: 'ready' | 'incomplete';
  modified: Date;
}

/** The models in a models directory, by file name. */
export function listLocalModels(modelsDir: string): LocalModel[] {
  if (!existsSync(modelsDir)) return [];
  return readdirSync(modelsDir)
    .filter((file) => /\.gguf(\.part)?$/i.test(file))
    .sort()
    .map((file) => {
      const path = join(modelsDir, file);
      const stats = statSync(path);
      return { file, path, bytes: stats.size, status: file.endsWith('.part') ? ('incomplete' as const) : ('ready' as const), modified: stats.mtime };
    });
}

/** `cria models`: the table of local models. */
export function formatLocalModels(modelsDir: string, models: readonly LocalModel[]): string {
  if (!models.length) return `No models in ${modelsDir}. Download one with: cria pull hf:<owner>/<repo>:<quant>\n`;
  const rows = [['FILE', 'SIZE', 'STATUS', 'MODIFIED'], ...models.map((model) => [model.file, formatBytes(model.bytes), model.status === 'ready' ? 'ready' : 'incomplete (cria pull again to resume)', model.modified.toISOString().slice(0, 16).replace('T', ' ')])];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return `${modelsDir}\n${rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n')}\n`;
}
