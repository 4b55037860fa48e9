import { describeHostedKeySettings } from '@cria/testing';
import { cerebrasPreset } from '../src/index.js';

// remote::cerebras as Llama Stack's starter configures it: it starts with no CEREBRAS_API_KEY,
// says what is missing, and takes a key per request.
describeHostedKeySettings({ providerType: 'remote::cerebras', providerId: 'cerebras', sampleConfig: cerebrasPreset.sampleConfig, keyVariable: 'CEREBRAS_API_KEY', providerDataField: 'cerebras_api_key', hostedModel: 'llama3.1-8b' });
