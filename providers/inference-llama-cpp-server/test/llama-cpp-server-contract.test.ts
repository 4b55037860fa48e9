import { describeRemoteInferenceContract } from '@cria/testing';

// remote::llama-cpp-server passes the inference contract against the fake upstream, which stands in for llama-server.
describeRemoteInferenceContract('remote::llama-cpp-server');
