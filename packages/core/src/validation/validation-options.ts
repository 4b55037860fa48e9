import type { Options } from 'ajv';

export interface ValidatorOptions {
  /** Convert strings to the declared types (query strings). */
  coerceTypes?: boolean;
  /** Fill in the schema's defaults (configs; never request bodies, which pass through as sent). */
  useDefaults?: boolean;
}

/** ajv's options for a validator kind; codegen compiles the precompiled validators with the same. */
export function ajvOptions(options: ValidatorOptions, verbose: boolean): Options {
  return {
    allErrors: false,
    strict: false,
    discriminator: true,
    verbose,
    // The bundle is checked against the meta-schema by a test, not at every start.
    validateSchema: false,
    coerceTypes: options.coerceTypes ?? false,
    useDefaults: options.useDefaults ?? false,
  };
}
