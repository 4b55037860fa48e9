import { describeRemoteInferenceContract } from '@cria/testing';

// remote::together passes the inference contract against the fake upstream, which stands in for Together AI.
describeRemoteInferenceContract('remote::together');
