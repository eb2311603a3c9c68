import { z } from 'zod';

/**
 * Config fields the deployment target types share. Pure shapes only: what needs the agent's
 * host (the file exists, the program runs) is checked by the agent when it deploys.
 */

/** An absolute POSIX path (the agents run on Linux). */
export const absolutePath = z
  .string()
  .min(1, 'must be an absolute path')
  .refine((value) => value.startsWith('/'), 'must be an absolute path');

export const tcpPort = z.number().int().min(1).max(65535);

/** A program and its arguments, run without a shell. */
export const argvSchema = z.array(z.string().min(1)).min(1, 'must name the program to run');

/** Environment variables of a target's commands. */
export const envSchema = z.record(z.string(), z.string()).optional();

/** The web servers' verification handshake, with a grace period for workers that are still starting. */
export const verifySchema = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  port: tcpPort,
  servername: z.string().min(1).optional(),
  /** How long the handshake may keep seeing the previous certificate while workers restart. */
  timeout_ms: z.number().int().min(0).max(120000).default(10000),
});
export type VerifyConfig = z.infer<typeof verifySchema>;

/** Where the agent checks the served certificate after the reload (mail, keystore, SSH targets). */
export const endpointSchema = z.object({
  host: z.string().min(1),
  port: tcpPort,
  servername: z.string().min(1).optional(),
});
