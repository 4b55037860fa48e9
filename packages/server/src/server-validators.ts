import type { RouteDefinition } from '@cria/api';
import { compileApiValidator, type Validator } from '@cria/core';

/**
 * A validator compiled on first use: compiling every route's schema up front costs start-up time
 * and memory for routes a deployment may never see. `warm()` compiles it ahead of its first request.
 */
export interface LazyValidator {
  (value: unknown): unknown;
  warm(): void;
}

function lazyValidator(name: string, options: { coerceTypes?: boolean } = {}): LazyValidator {
  let compiled: Validator<unknown> | undefined;
  const warm = () => {
    compiled ??= compileApiValidator<unknown>(name, options);
  };
  return Object.assign((value: unknown) => {
    warm();
    return compiled!(value);
  }, { warm });
}

/** The validators of one route: its JSON body, its query string, its upload's form fields. */
export interface RouteValidators {
  body: LazyValidator | null;
  query: LazyValidator | null;
  form: LazyValidator | null;
}

export function routeValidators(route: RouteDefinition): RouteValidators {
  return {
    body: route.requestBody ? lazyValidator(route.requestBody) : null,
    query: route.query ? lazyValidator(route.query, { coerceTypes: true }) : null,
    form: route.requestForm ? lazyValidator(route.requestForm, { coerceTypes: true }) : null,
  };
}
