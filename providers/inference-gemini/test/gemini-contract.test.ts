import { describeRemoteInferenceContract } from '@cria/testing';

// remote::gemini passes the inference contract against the fake upstream, which stands in for Gemini.
describeRemoteInferenceContract('remote::gemini');
