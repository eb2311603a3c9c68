import { apacheConnector } from './apache';
import { caddyConnector } from './caddy';
import { haproxyConnector } from './haproxy';
import { nginxConnector } from './nginx';
import type { TargetConnector } from './target';

/** The web server target types (nginx, apache, haproxy, caddy), for the agent's connector registry. */
export const webServerConnectors: TargetConnector[] = [nginxConnector, apacheConnector, haproxyConnector, caddyConnector];
