import { describeRemoteInferenceContract } from '@cria/testing';

// remote::nvidia passes the inference contract against the fake upstream, which stands in for NVIDIA.
describeRemoteInferenceContract('remote::nvidia');
