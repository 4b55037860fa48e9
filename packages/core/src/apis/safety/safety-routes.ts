import { routesOf } from '@cria/api';

const route = routesOf('safety');

/** Llama Stack 0.7.1's shields and safety routes, and OpenAI's moderations. */
export const safetyRoutes = [
  route({
    method: 'GET',
    path: '/v1/shields',
    operation: 'listShields',
    summary: 'The registered shields.',
    response: 'ListShieldsResponse',
    async handler({ api }) {
      return { json: await api.listShields() };
    },
  }),
  route({
    method: 'POST',
    path: '/v1/shields',
    operation: 'registerShield',
    summary: 'Register a shield: shield_id, provider_id (optional with one provider), provider_shield_id (what the provider runs; shield_id when absent), params.',
    requestBody: 'RegisterShieldRequest',
    response: 'Shield',
    async handler({ body, api }) {
      return { json: await api.registerShield(body) };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/shields/{identifier...}',
    operation: 'getShield',
    summary: 'One shield.',
    response: 'Shield',
    async handler({ params, api }) {
      return { json: await api.getShield(params.identifier!) };
    },
  }),
  route({
    method: 'DELETE',
    path: '/v1/shields/{identifier...}',
    operation: 'unregisterShield',
    summary: 'Unregister a shield; answers null.',
    response: 'NullResponse',
    async handler({ params, api }) {
      await api.unregisterShield(params.identifier!);
      return { json: null };
    },
  }),
  route({
    method: 'POST',
    path: '/v1/safety/run-shield',
    operation: 'runShield',
    summary: 'Run a shield on messages: the violation, or null.',
    requestBody: 'RunShieldRequest',
    response: 'RunShieldResponse',
    async handler({ body, api, context }) {
      return { json: await api.runShield(body, context) };
    },
  }),
  route({
    method: 'POST',
    path: '/v1/moderations',
    operation: 'createModeration',
    summary: 'Classify inputs (OpenAI\'s moderations) with the shield whose model is `model`, else the default shield.',
    requestBody: 'RunModerationRequest',
    response: 'ModerationObject',
    async handler({ body, api, context }) {
      return { json: await api.runModeration(body, context) };
    },
  }),
];
