import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorCode, type FieldError, outageError } from '@certctl/contracts';
import { getLogger } from '@certctl/observability';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  request_id?: string;
  code: ErrorCode;
  errors?: FieldError[];
}

const HTTP_CODE: Record<number, ErrorCode> = {
  400: 'validation_failed',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'validation_failed',
  422: 'validation_failed',
  429: 'rate_limited',
  503: 'service_unavailable',
  504: 'timeout',
};

/** Any error → (status, RFC 9457 problem). Internal causes are logged, never shown. */
export function toProblem(err: unknown, req: Pick<FastifyRequest, 'url' | 'id'>): Problem {
  const base = { instance: req.url.split('?')[0], request_id: String(req.id) };
  const outage = outageError(err);
  if (outage) {
    getLogger().warn({ err, url: base.instance }, 'request failed: the database is unavailable');
    return toProblem(outage, req);
  }
  if (err instanceof AppError) {
    if (err.status >= 500 && err.code === 'internal') getLogger().error({ err }, 'internal error');
    return {
      type: `urn:certctl:error:${err.code}`,
      title: err.title,
      status: err.status,
      detail: err.message,
      code: err.code,
      ...base,
      ...(err.fields ? { errors: err.fields } : {}),
    };
  }
  const status = httpStatusOf(err);
  if (status && status < 500) {
    const code = HTTP_CODE[status] ?? 'validation_failed';
    const e = new AppError(code, clientMessage(err, status));
    const problem = toProblem(e, req);
    return { ...problem, status, title: status === 400 ? 'Bad request' : problem.title };
  }
  getLogger().error({ err }, 'unhandled error');
  return toProblem(new AppError('internal', 'An internal error occurred; quote the request id when reporting it.'), req);
}

function httpStatusOf(err: unknown): number | undefined {
  if (err instanceof HttpException) return err.getStatus();
  if (err && typeof err === 'object' && 'statusCode' in err && typeof err.statusCode === 'number') return err.statusCode;
  return undefined;
}

function clientMessage(err: unknown, status: number): string {
  const code = err && typeof err === 'object' && 'code' in err ? String(err.code) : '';
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE' || status === 413) return 'The request body is larger than the limit.';
  if (code.startsWith('FST_ERR_CTP_INVALID_MEDIA_TYPE') || status === 415) return 'Unsupported Content-Type; send application/json.';
  if (code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return 'The request body is empty; send a JSON object.';
  if (code.startsWith('FST_ERR_CTP') || err instanceof SyntaxError) return 'The request body is not valid JSON.';
  if (status === 404) return 'No such route.';
  if (status === 405) return 'Method not allowed.';
  if (err instanceof HttpException) {
    const r = err.getResponse();
    return typeof r === 'string' ? r : err.message;
  }
  return err instanceof Error ? err.message : 'Bad request.';
}

export function sendProblem(reply: FastifyReply, problem: Problem): void {
  void reply.status(problem.status).header('content-type', 'application/problem+json').send(problem);
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  catch(err: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw err;
    const http = host.switchToHttp();
    const req = http.getRequest<FastifyRequest>();
    sendProblem(http.getResponse<FastifyReply>(), toProblem(err, req));
  }
}
