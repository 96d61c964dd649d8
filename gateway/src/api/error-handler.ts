import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, errorBody, ERRORS, type ErrorCode } from '../errors';

const DATABASE_DOWN = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'PROTOCOL_CONNECTION_LOST', 'ER_LOCK_WAIT_TIMEOUT', 'SQLITE_BUSY', 'SQLITE_IOERR']);

function classify(error: FastifyError & { errno?: number }): { code: ErrorCode; message: string; details?: unknown } {
  if (error instanceof AppError) return { code: error.code, message: error.message, details: error.details };
  if (error.validation) {
    return { code: 'VALIDATION_FAILED', message: error.message, details: error.validation };
  }
  if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError) {
    return { code: 'MALFORMED_JSON', message: `The request body is not valid JSON: ${error.message}` };
  }
  if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return { code: 'MALFORMED_JSON', message: 'The request body is empty' };
  if (error.code?.startsWith('FST_ERR_CTP')) return { code: 'VALIDATION_FAILED', message: error.message };
  if (DATABASE_DOWN.has(error.code) || error.name === 'KnexTimeoutError') return { code: 'GATEWAY_UNAVAILABLE', message: ERRORS.GATEWAY_UNAVAILABLE.message };
  return { code: 'INTERNAL', message: ERRORS.INTERNAL.message };
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const { code, message, details } = classify(error);
    const status = error.statusCode === 413 ? 413 : ERRORS[code].status;
    if (status >= 500) request.log.error({ err: error }, message);
    void reply.status(status).send(errorBody(code, message, details));
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send(errorBody('NOT_FOUND', `No route ${request.method} ${request.url}`));
  });
}
