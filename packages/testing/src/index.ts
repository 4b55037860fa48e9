export { exampleFromSchema, type FakeFault, type FakeModel, FakeOpenAIUpstream, type FakeUpstreamOptions, fakeEmbedding, type RecordedRequest } from './fake-openai-upstream.js';
export { INFERENCE_RECORDINGS_DIR, loadRecordings, type ProviderRecording, RecordingUpstream, recordedPath, unwrapRecorded } from './recording-upstream.js';
export { remoteInferenceDistribution, sqliteStorage, startTestServer, temporaryDirectory, type TestServer, type TestServerOptions } from './server-harness.js';
export { describeInferenceContract, type InferenceContractTarget } from './inference-contract.js';
export { cachedTinyModel, TINY_MODEL_CHAT_TEMPLATE, type TinyModelInfo, type TinyModelOptions, writeTinyModel } from './tiny-model.js';
export { describeVectorIOContract, type VectorIOContractHarness } from './vector-io-contract.js';
export { createTestProvider, type TestProvider, type TestProviderOptions } from './provider-harness.js';
export { type PgliteServer, type PgliteServerOptions, startPgliteServer } from './pglite-server.js';
