import { describeRemoteInferenceContract } from '@cria/testing';

// remote::vllm passes the inference contract against the fake upstream, which stands in for vLLM.
describeRemoteInferenceContract('remote::vllm');
