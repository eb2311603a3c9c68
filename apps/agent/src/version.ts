/** The agent's version, sent with every heartbeat and printed by `--version`. */
export const AGENT_VERSION = '0.1.0';
