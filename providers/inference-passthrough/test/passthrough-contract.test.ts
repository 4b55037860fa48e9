import { describeRemoteInferenceContract } from '@cria/testing';

// remote::passthrough passes the inference contract against the fake upstream, which stands in for the service behind passthrough.
describeRemoteInferenceContract('remote::passthrough');
