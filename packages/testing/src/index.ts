export { exampleFromSchema, type FakeFault, type FakeModel, FakeOpenAIUpstream, type FakeUpstreamOptions, fakeEmbedding, fakeRelevance, type RecordedRequest } from './fake-openai-upstream.js';
export { INFERENCE_RECORDINGS_DIR, loadRecordings, type ProviderRecording, RecordingUpstream, recordedPath, unwrapRecorded } from './recording-upstream.js';
export { type CliServer, startCliServer } from './cli-server.js';
export { remoteInferenceDistribution, sqliteStorage, startTestServer, temporaryDirectory, testCatalog, type TestServer, type TestServerOptions } from './server-harness.js';
export { describeInferenceContract, describeRemoteInferenceContract, type InferenceContractTarget } from './inference-contract.js';
export { describeRecordedReplies, type RecordedRepliesOptions } from './recorded-replies-suite.js';
export { describeToolRuntimeContract, type ToolRuntimeContractTarget } from './tool-runtime-contract.js';
export { describeFilesContract, type FilesContractOptions } from './files-contract.js';
export { cachedTinyModel, TINY_MODEL_CHAT_TEMPLATE, type TinyModelInfo, type TinyModelOptions, writeTinyModel } from './tiny-model.js';
export { describeVectorIOContract, seededRandom, type VectorIOContractHarness, type VectorIOContractOptions } from './vector-io-contract.js';
export { createTestProvider, type ProviderImpl, type RestartableProvider, restartableProvider, type TestProvider, type TestProviderOptions } from './provider-harness.js';
export { type PgliteServer, type PgliteServerOptions, startPgliteServer } from './pglite-server.js';
export { vectorStoresDistribution, type VectorStoresDistributionOptions } from './vector-stores-harness.js';
export { makeTestPdf } from './test-documents.js';
export { ConformanceChecker, type ConformanceVerdict, conformanceChecker } from './conformance.js';
export {
  assertOpenResponsesEvents,
  assertOpenResponsesObject,
  openResponsesEventProblems,
  openResponsesObjectProblems,
  openResponsesStreamProblems,
  responseStreamInvariantProblems,
  TERMINAL_RESPONSE_EVENTS,
} from './conformance-open-responses.js';
export { type ClientErrorBody, clientFailure } from './client-failure.js';
export { describeHostedKeySettings, type HostedKeyHarness, type HostedKeySettings } from './hosted-key-settings.js';
export {
  ONNX_FLOAT,
  ONNX_INT64,
  onnxExternalInitializer,
  onnxInitializer,
  onnxInput,
  onnxModel,
  onnxNode,
  onnxOutput,
  TINY_FIRST_WORD_ID,
  TINY_SPECIAL_TOKENS,
  TINY_UNK_ID,
  tinyTokenIds,
  tinyTokenizerJson,
} from './tiny-onnx.js';
export { closedPort } from './closed-port.js';
