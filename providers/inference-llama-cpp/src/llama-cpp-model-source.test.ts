import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pickQuantFile } from './llama-cpp-download.js';
import { parseModelSource } from './llama-cpp-model-source.js';

describe('model sources', () => {
  it('parses Hugging Face URIs, URLs and local paths', () => {
    expect(parseModelSource('hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF:q4_k_m', '/models')).toMatchObject({
      kind: 'huggingface', owner: 'Qwen', repo: 'Qwen2.5-0.5B-Instruct-GGUF', quant: 'Q4_K_M', localPath: '/models/hf_Qwen_Qwen2.5-0.5B-Instruct-GGUF.Q4_K_M.gguf',
    });
    expect(parseModelSource('hf:a/b', '/models')).toMatchObject({ quant: 'Q4_K_M' });
    expect(parseModelSource('hf:a/b/sub/m-Q8_0.gguf', '/models')).toMatchObject({ file: 'sub/m-Q8_0.gguf', localPath: '/models/hf_a_m-Q8_0.gguf' });
    expect(parseModelSource('https://example.com/x/My%20Model.gguf?download=1', '/models')).toMatchObject({ kind: 'url', localPath: '/models/My Model.gguf' });
    expect(parseModelSource('model.gguf', '/models', '/dist')).toMatchObject({ kind: 'local', localPath: '/models/model.gguf' });
    expect(parseModelSource('sub/model.gguf', '/models', '/dist')).toMatchObject({ kind: 'local', localPath: '/dist/sub/model.gguf' });
    expect(parseModelSource('~/m.gguf', '/models')).toMatchObject({ localPath: join(homedir(), 'm.gguf') });
    expect(parseModelSource('file:///srv/m.gguf', '/models')).toMatchObject({ localPath: '/srv/m.gguf' });
    expect(() => parseModelSource('hf:onlyowner', '/models')).toThrow(/not a Hugging Face URI/);
    expect(() => parseModelSource('https://example.com/readme.md', '/models')).toThrow(/not point at a \.gguf/);
  });

  it('picks the file of a quantization, as a whole word', () => {
    const files = ['README.md', 'm-Q4_K_M.gguf', 'm-Q4_K_M_L.gguf', 'm-q8_0.gguf', 'big-Q8_0-00001-of-00002.gguf'];
    expect(pickQuantFile(files, 'Q4_K_M')).toBe('m-Q4_K_M.gguf');
    expect(pickQuantFile(files, 'Q8_0')).toBe('m-q8_0.gguf');
    expect(pickQuantFile(files, 'Q5_K_M')).toBeUndefined();
  });
});
