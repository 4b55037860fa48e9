import { describeRemoteInferenceContract } from '@cria/testing';

// remote::openai passes the inference contract against the fake upstream, which stands in for OpenAI.
describeRemoteInferenceContract('remote::openai');
