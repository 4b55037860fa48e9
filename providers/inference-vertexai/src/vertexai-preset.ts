import { InvalidRequestError, type JsonSchema } from '@cria/api';
import type { OpenAICompatPreset, OpenAICompatSettings, UpstreamAuthorization, UpstreamAuthorizationRequest } from '@cria/provider-utils';
import { GoogleAccessTokens } from './vertexai-credentials.js';

/**
 * Settings of `remote::vertexai`, as Llama Stack's VertexAIConfig names them: the Google Cloud
 * project and location, and an optional access token used instead of application-default
 * credentials. `base_url` (Cria's) replaces the endpoint derived from them.
 */
export interface VertexAISettings extends OpenAICompatSettings {
  /** The Google Cloud project id (VERTEX_AI_PROJECT). */
  project?: string | null;
  /** The Google Cloud location, `global` by default (VERTEX_AI_LOCATION). */
  location?: string | null;
  /** An OAuth access token used instead of application-default credentials (VERTEX_AI_ACCESS_TOKEN). */
  access_token?: string | null;
}

type VertexAIOwnKeys = Exclude<keyof VertexAISettings, keyof OpenAICompatSettings>;

const vertexAIConfigProperties: Record<VertexAIOwnKeys, JsonSchema> = {
  project: { type: ['string', 'null'], description: 'Google Cloud project ID for Vertex AI.' },
  location: { type: ['string', 'null'], default: 'global', description: 'Google Cloud location for Vertex AI.' },
  access_token: { type: ['string', 'null'], description: 'Access token used instead of application-default credentials.' },
};

/** Vertex AI's OpenAI-compatible root for a project and location (`global` has no regional host). */
export function vertexAIApiRoot(project: string, location: string): string {
  const host = location === 'global' ? 'aiplatform.googleapis.com' : `${location}-aiplatform.googleapis.com`;
  return `https://${host}/v1/projects/${encodeURIComponent(project)}/locations/${encodeURIComponent(location)}/endpoints/openapi`;
}

function nonEmpty(value: unknown): string | null {
  return typeof value === 'string' && value.trim() ? value.trim() : null;
}

/** Bearer tokens from the request, the config, or application-default credentials; the endpoint of a request's own project or location. */
function vertexAIAuthorization(settings: { project: string | null; location: string; accessToken: string | null; baseUrl: string | null }): (request: UpstreamAuthorizationRequest) => Promise<UpstreamAuthorization> {
  const tokens = new GoogleAccessTokens();
  return async ({ providerData }) => {
    const requestProject = nonEmpty(providerData?.vertex_project);
    const requestLocation = nonEmpty(providerData?.vertex_location);
    const project = requestProject ?? settings.project;
    let baseUrl: string | undefined;
    if (requestProject || requestLocation || !settings.baseUrl) {
      if (!project) throw new InvalidRequestError('Vertex AI needs a Google Cloud project: set project (VERTEX_AI_PROJECT) in the distribution, or pass vertex_project in X-LlamaStack-Provider-Data.');
      baseUrl = vertexAIApiRoot(project, requestLocation ?? settings.location);
    }
    const token = nonEmpty(providerData?.vertex_access_token) ?? settings.accessToken ?? (await tokens.token());
    return { headers: { authorization: `Bearer ${token}` }, ...(baseUrl ? { baseUrl } : {}) };
  };
}

/**
 * Google Vertex AI through its OpenAI-compatible endpoint (chat completions and embeddings of
 * Gemini and Model Garden models, ids such as `google/gemini-2.5-flash`); it lists no models, so
 * the distribution registers them.
 */
export const vertexAIPreset: OpenAICompatPreset<VertexAISettings> = {
  providerType: 'remote::vertexai',
  description: 'Google Vertex AI (its OpenAI-compatible endpoint, with application-default credentials).',
  defaultBaseUrl: null,
  providerDataApiKeyField: null,
  apiKeyEnv: null,
  requiresApiKey: false,
  embeddingModels: {},
  downloadImages: false,
  healthPath: null,
  listsModels: false,
  unsupported: ['completions'],
  configProperties: vertexAIConfigProperties,
  secretConfigKeys: ['access_token'],
  sampleConfig: { project: '${env.VERTEX_AI_PROJECT:=}', location: '${env.VERTEX_AI_LOCATION:=global}' },
  environment: ['GOOGLE_APPLICATION_CREDENTIALS'],
  configure(settings) {
    const { project, location, access_token: accessToken, ...shared } = settings;
    const resolved = { project: nonEmpty(project), location: nonEmpty(location) ?? 'global', accessToken: nonEmpty(accessToken), baseUrl: nonEmpty(shared.base_url) };
    const baseUrl = resolved.baseUrl ?? (resolved.project ? vertexAIApiRoot(resolved.project, resolved.location) : null);
    return { settings: { ...shared, api_key: null, base_url: baseUrl }, extensions: { authorize: vertexAIAuthorization(resolved) } };
  },
};
