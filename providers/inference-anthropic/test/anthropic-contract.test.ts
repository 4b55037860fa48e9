import { describeRemoteInferenceContract } from '@cria/testing';

// remote::anthropic passes the inference contract against the fake upstream, which stands in for Anthropic.
describeRemoteInferenceContract('remote::anthropic');
