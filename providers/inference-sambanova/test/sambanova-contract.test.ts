import { describeRemoteInferenceContract } from '@cria/testing';

// remote::sambanova passes the inference contract against the fake upstream, which stands in for SambaNova.
describeRemoteInferenceContract('remote::sambanova');
