import { describeRemoteInferenceContract } from '@cria/testing';

// remote::cerebras passes the inference contract against the fake upstream, which stands in for Cerebras.
describeRemoteInferenceContract('remote::cerebras');
