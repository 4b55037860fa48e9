import { existsSync } from 'node:fs';
import { join } from 'node:path';

export type Transformers = typeof import('@huggingface/transformers');

let transformers: Promise<Transformers> | undefined;

/**
 * transformers.js (and onnxruntime-node under it), imported on first use, so a server without an
 * ONNX provider never loads it, and set never to download: a model is a local folder or nothing.
 */
export function loadTransformers(): Promise<Transformers> {
  return (transformers ??= import('@huggingface/transformers').then((module) => {
    module.env.allowRemoteModels = false;
    module.env.allowLocalModels = true;
    // ONNX Runtime gets a local model by path, so the external data files beside it load (and a
    // 2 GB export is not read into a buffer first); with remote models off, nothing is cached.
    module.env.useFSCache = true;
    module.env.useBrowserCache = false;
    return module;
  }));
}

/**
 * How many external data files an export in `folder` has (`onnx/model.onnx_data`, `…_data_1`, …:
 * exports over 2 GB keep their weights there), which transformers.js must be told to read them.
 */
export function externalDataChunks(folder: string): number {
  let chunks = 0;
  while (existsSync(join(folder, 'onnx', `model.onnx_data${chunks === 0 ? '' : `_${chunks}`}`))) chunks++;
  return chunks;
}
