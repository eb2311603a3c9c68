export * from './prisma.service';
export * from './database.module';
export * from './ids';
export { Prisma, type PrismaClient } from './generated/client';
export * as Db from './generated/enums';
