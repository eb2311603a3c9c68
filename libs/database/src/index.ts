export * from './prisma.service';
export * from './database.module';
export * from './ids';
export * from './db-errors';
export * from './cursor';
export { Prisma, type PrismaClient } from './generated/client';
export type { AgentBootstrapToken as AgentBootstrapTokenRow, ApiKey as ApiKeyRow, AuditEvent as AuditEventRow } from './generated/client';
export * as Db from './generated/enums';
export type {
  ScepChallenge as ScepChallengeRow,
  ScepRaCertificate as ScepRaCertificateRow,
  ScepTransaction as ScepTransactionRow,
} from './generated/client';
