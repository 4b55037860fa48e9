import { homedir } from 'node:os';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where a model comes from, parsed from a `provider_model_id` (or `cria pull`'s argument):
 * - `hf:<owner>/<repo>[:<quant>]`: the repository's GGUF of that quantization (Q4_K_M when none
 *   is named), stored as `hf_<owner>_<repo>.<QUANT>.gguf` in the models directory;
 * - `hf:<owner>/<repo>/<path/to/file.gguf>`: that file, stored as `hf_<owner>_<file.gguf>`;
 * - `https://…/<file.gguf>`: that URL, stored under its file name;
 * - anything else is a local path: absolute, `~/…`, `file://…`, relative to the distribution
 *   (when it has a `/`), or a bare file name in the models directory.
 */
export type ModelSource =
  | { kind: 'local'; id: string; localPath: string }
  | { kind: 'huggingface'; id: string; localPath: string; owner: string; repo: string; quant: string | null; file: string | null }
  | { kind: 'url'; id: string; localPath: string; url: string };

/** The quantization picked when an `hf:` URI names none (node-llama-cpp's default too). */
export const DEFAULT_QUANT = 'Q4_K_M';

const HF_URI = /^(?:hf|huggingface):([\w.-]+)\/([\w.-]+)(?:\/(.+?))?(?::([\w.-]+))?$/i;

/** Parses a model id; throws an Error with a readable reason when it cannot be one. */
export function parseModelSource(id: string, modelsDir: string, baseDir: string = process.cwd()): ModelSource {
  const trimmed = id.trim();
  const hf = HF_URI.exec(trimmed);
  if (hf) {
    const [, owner, repo, file, quant] = hf as unknown as [string, string, string, string | undefined, string | undefined];
    if (file) {
      if (!file.toLowerCase().endsWith('.gguf')) throw new Error(`'${id}' names a file that is not a .gguf`);
      return { kind: 'huggingface', id: trimmed, owner, repo, quant: null, file, localPath: join(modelsDir, `hf_${owner}_${basename(file)}`) };
    }
    const resolvedQuant = (quant ?? DEFAULT_QUANT).toUpperCase();
    return { kind: 'huggingface', id: trimmed, owner, repo, quant: resolvedQuant, file: null, localPath: join(modelsDir, `hf_${owner}_${repo}.${resolvedQuant}.gguf`) };
  }
  if (/^(?:hf|huggingface):/i.test(trimmed)) throw new Error(`'${id}' is not a Hugging Face URI of the form hf:<owner>/<repo>[:<quant>] or hf:<owner>/<repo>/<file.gguf>`);
  if (/^https?:\/\//i.test(trimmed)) {
    const url = new URL(trimmed);
    const name = decodeURIComponent(basename(url.pathname));
    if (!name.toLowerCase().endsWith('.gguf')) throw new Error(`'${id}' does not point at a .gguf file`);
    return { kind: 'url', id: trimmed, url: url.href, localPath: join(modelsDir, name) };
  }
  if (trimmed.startsWith('file://')) return { kind: 'local', id: trimmed, localPath: fileURLToPath(trimmed) };
  if (trimmed === '~' || trimmed.startsWith('~/')) return { kind: 'local', id: trimmed, localPath: join(homedir(), trimmed.slice(1)) };
  if (isAbsolute(trimmed)) return { kind: 'local', id: trimmed, localPath: trimmed };
  if (trimmed.includes('/')) return { kind: 'local', id: trimmed, localPath: resolve(baseDir, trimmed) };
  return { kind: 'local', id: trimmed, localPath: join(modelsDir, trimmed) };
}

/** Whether a model can be downloaded (rather than being a local file the user must provide). */
export function isDownloadable(source: ModelSource): source is Exclude<ModelSource, { kind: 'local' }> {
  return source.kind !== 'local';
}
