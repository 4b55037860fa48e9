import { describeRemoteInferenceContract } from '@cria/testing';

// remote::fireworks passes the inference contract against the fake upstream, which stands in for Fireworks AI.
describeRemoteInferenceContract('remote::fireworks');
