import { describeHostedKeySettings } from '@cria/testing';
import { geminiPreset } from '../src/index.js';

// remote::gemini as Llama Stack's starter configures it: it starts with no GEMINI_API_KEY,
// says what is missing, and takes a key per request.
describeHostedKeySettings({ providerType: 'remote::gemini', providerId: 'gemini', sampleConfig: geminiPreset.sampleConfig, keyVariable: 'GEMINI_API_KEY', providerDataField: 'gemini_api_key', hostedModel: 'models/gemini-2.5-flash' });
