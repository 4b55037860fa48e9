import { describeRemoteInferenceContract } from '@cria/testing';

// remote::ollama passes the inference contract against the fake upstream, which stands in for Ollama.
describeRemoteInferenceContract('remote::ollama');
