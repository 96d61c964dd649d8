import AjvCompiler from '@fastify/ajv-compiler';

type Compile = (route: { schema: unknown; method: string; url: string; httpPart?: string }) => unknown;
type BuildValidator = (externalSchemas: Record<string, unknown>, options?: { customOptions?: Record<string, unknown> }) => Compile;

const pool = AjvCompiler() as unknown as BuildValidator;

/**
 * fastify's validator, except that a JSON body is taken as sent. By default ajv coerces types, so
 * `callee: ["+86…"]` would become a string and `42` would pass for "42": a body carrying the wrong
 * type is a client defect to report, not to repair. Likewise a property the schema does not know
 * is refused, not silently dropped: a misspelt `expiresAt` must not become a consent that never
 * expires. Query strings and path parameters arrive as
 * text and are still read as the numbers and booleans their schemas say.
 */
export const strictBodies: BuildValidator = (externalSchemas, options = {}) => {
  const loose = pool(externalSchemas, options);
  const strict = pool(externalSchemas, { ...options, customOptions: { ...options.customOptions, coerceTypes: false, removeAdditional: false } });
  return (route) => (route.httpPart === 'body' ? strict(route) : loose(route));
};
