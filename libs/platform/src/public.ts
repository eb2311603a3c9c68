import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'certctl:public';
/** Marks a route as reachable without an API key (probes, metrics, public protocol surfaces). */
export const Public = (): ClassDecorator & MethodDecorator => SetMetadata(IS_PUBLIC, true);
