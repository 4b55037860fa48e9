import { describeRemoteInferenceContract } from '@cria/testing';

// remote::llama-openai-compat passes the inference contract against the fake upstream, which stands in for Meta's Llama API.
describeRemoteInferenceContract('remote::llama-openai-compat');
