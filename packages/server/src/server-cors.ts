import type { ServerConfig } from '@cria/api';
import type { ServerHooks } from './server-hooks.js';

type CorsSettings = Exclude<NonNullable<ServerConfig['cors']>, boolean>;

/** The distribution's `server.cors` (Llama Stack's) as an onRequest hook: allowed origins get CORS headers, preflights a 204. */
export function corsHook(cors: ServerConfig['cors']): ServerHooks['onRequest'] | null {
  if (!cors) return null;
  const settings: CorsSettings = cors === true ? {} : cors;
  const origins = settings.allow_origins ?? (cors === true ? ['*'] : []);
  const originPattern = settings.allow_origin_regex ? new RegExp(settings.allow_origin_regex) : null;
  const methods = (settings.allow_methods?.length ? settings.allow_methods : ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).join(', ');
  return (request) => {
    const origin = request.headers.origin;
    if (!origin || !(origins.includes('*') || origins.includes(origin) || originPattern?.test(origin))) return;
    const res = request.res;
    res.setHeader('access-control-allow-origin', origins.includes('*') && !settings.allow_credentials ? '*' : origin);
    res.setHeader('vary', 'origin');
    if (settings.allow_credentials) res.setHeader('access-control-allow-credentials', 'true');
    if (settings.expose_headers?.length) res.setHeader('access-control-expose-headers', settings.expose_headers.join(', '));
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method']) {
      const requested = request.headers['access-control-request-headers'];
      request.reply(204, {
        'access-control-allow-methods': methods,
        'access-control-allow-headers': settings.allow_headers?.length ? settings.allow_headers.join(', ') : requested || '*',
        'access-control-max-age': String(settings.max_age ?? 600),
      });
    }
  };
}
