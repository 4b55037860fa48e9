import { describeRemoteInferenceContract } from '@cria/testing';

// remote::groq passes the inference contract against the fake upstream, which stands in for Groq.
describeRemoteInferenceContract('remote::groq');
