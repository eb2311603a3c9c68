import {
  applyDecorators,
  type CallHandler,
  type ExecutionContext,
  Inject,
  Injectable,
  type NestInterceptor,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { MessagePattern, type NatsContext, RpcException } from '@nestjs/microservices';
import { context as otelContext } from '@opentelemetry/api';
import { Observable, from, lastValueFrom } from 'rxjs';
import { AppError, fieldErrorsFromZod, findInputHazard, outageError, type RpcContract } from '@certctl/contracts';
import {
  SpanKind,
  extractTraceContext,
  getLogger,
  natsHandlerDuration,
  principalRefusals,
  requestContext,
  runWithRequestContext,
  withSpan,
} from '@certctl/observability';
import { type PrincipalKeys, principalKeys } from './bus-options';
import { PRINCIPAL_HEADER, actorOfRequest, carriesActor, verifyPrincipal } from './principal-token';
import { MESSAGING_OPTIONS, type MessagingOptions } from './rpc-client';

const CONTRACT = Symbol('rpc-contract');

/** Handlers running now; shutdown waits for them before closing the connection. */
export const inFlight = {
  count: 0,
  waiters: [] as (() => void)[],
  enter(): void {
    this.count++;
  },
  leave(): void {
    this.count--;
    if (this.count === 0) this.waiters.splice(0).forEach((w) => w());
  },
  idle(): Promise<void> {
    return this.count === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  },
};

/**
 * Marks a handler method as the answerer of a contract's subject (queue group set on the
 * server). At start-up each service checks it has exactly one per contract it owns
 * (handler-check.ts).
 */
export function RpcHandler(contract: RpcContract): MethodDecorator {
  return applyDecorators(MessagePattern(contract.subject), SetMetadata(CONTRACT, contract));
}

/** The contract a method answers, when it is an `@RpcHandler`. */
export function contractOf(method: object): RpcContract | undefined {
  return Reflect.getMetadata(CONTRACT, method) as RpcContract | undefined;
}

/**
 * Around every NATS handler: continues the caller's trace (traceparent header),
 * validates the request against the contract (the handler receives the parsed value),
 * checks the signed principal of a request that names an actor (when verify keys are
 * configured), validates the reply, records the duration metric and turns failures into
 * wire errors.
 */
@Injectable()
export class RpcInterceptor implements NestInterceptor {
  private readonly keys: PrincipalKeys;

  constructor(
    private readonly reflector: Reflector,
    @Inject(MESSAGING_OPTIONS) options: MessagingOptions,
  ) {
    this.keys = principalKeys(options.service, options);
  }

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'rpc') return next.handle();
    const contract = this.reflector.get<RpcContract | undefined>(CONTRACT, ctx.getHandler());
    const rpc = ctx.switchToRpc();
    const nats = rpc.getContext<NatsContext>();
    const subject = contract?.subject ?? nats.getSubject();
    const hdrs = nats.getHeaders?.();
    const carrier: Record<string, string | undefined> = {
      traceparent: hdrs?.get('traceparent') || undefined,
      tracestate: hdrs?.get('tracestate') || undefined,
    };
    const requestId = hdrs?.get('x-request-id') || undefined;
    const parent = extractTraceContext(carrier);
    const started = process.hrtime.bigint();

    const run = async (): Promise<unknown> => {
      let result = 'ok';
      inFlight.enter();
      try {
        return await withSpan(
          `nats handle ${subject}`,
          { kind: SpanKind.SERVER, parent, attributes: { 'messaging.destination': subject } },
          async () => {
            if (contract) {
              // The edge rule of every HTTP entry applies to the bus too: a caller on NATS is not trusted with text.
              const hazard = findInputHazard(rpc.getData(), '');
              if (hazard) throw AppError.validation([{ field: hazard.field || '(request)', message: hazard.message }]);
              const parsed = contract.request.safeParse(rpc.getData());
              if (!parsed.success) throw AppError.validation(fieldErrorsFromZod(parsed.error));
              await this.checkPrincipal(contract, rpc.getData(), hdrs?.get(PRINCIPAL_HEADER) || undefined);
              ctx.getArgs()[0] = parsed.data;
            }
            const reply = await lastValueFrom(next.handle(), { defaultValue: undefined });
            if (!contract) return reply;
            const out = contract.response.safeParse(reply);
            if (!out.success) {
              getLogger().error({ subject, issues: out.error.issues.slice(0, 5) }, 'handler reply does not match its contract');
              throw new AppError('internal', 'reply failed its contract');
            }
            return out.data;
          },
        );
      } catch (err) {
        const appErr = err instanceof AppError ? err : outageError(err);
        result = appErr?.code ?? 'internal';
        if (!appErr) getLogger().error({ err, subject }, 'NATS handler failed');
        else if (appErr.status >= 500) getLogger().warn({ code: appErr.code, detail: appErr.message, subject }, 'NATS handler error');
        throw new RpcException((appErr ?? new AppError('internal', 'internal error')).toWire());
      } finally {
        inFlight.leave();
        natsHandlerDuration.observe({ subject, result }, Number(process.hrtime.bigint() - started) / 1e9);
      }
    };
    return from(otelContext.with(parent, () => runWithRequestContext({ request_id: requestId }, run)));
  }

  /** A request naming an actor must carry a principal signed for it, this subject and this payload. */
  private async checkPrincipal(contract: RpcContract, raw: unknown, token: string | undefined): Promise<void> {
    if (this.keys.verify.size === 0 || !carriesActor(contract)) return;
    const actor = actorOfRequest(raw)!; // the contract check above guarantees it
    try {
      const verified = await verifyPrincipal(this.keys.verify, token, contract.subject, actor, raw);
      const rc = requestContext(); // the handler's logs name the API key behind the request
      if (rc && verified.key_id) rc.key_id = verified.key_id;
    } catch (err) {
      const code = err instanceof AppError ? err.code : 'unauthorized';
      principalRefusals.inc({ subject: contract.subject, code });
      getLogger().warn(
        { subject: contract.subject, principal: actor.principal, detail: (err as Error).message },
        'signed principal refused',
      );
      throw err;
    }
  }
}
