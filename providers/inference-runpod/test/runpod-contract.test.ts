import { describeRemoteInferenceContract } from '@cria/testing';

// remote::runpod passes the inference contract against the fake upstream, which stands in for a RunPod endpoint.
describeRemoteInferenceContract('remote::runpod');
