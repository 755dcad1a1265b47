// Shapes of what the server sends (docs/api.md, docs/protocol.md).

export type AgentState = "IDLE" | "BUSY" | "ERROR" | "TERMINATED";
export const AGENT_STATES: AgentState[] = ["IDLE", "BUSY", "ERROR", "TERMINATED"];

export interface AgentSummary {
  id: string;
  numId: number;
  name: string;
  type: string;
  state: AgentState;
  provenance: string;
  /** The node of the cluster that owns it. */
  node?: string;
}

export interface MetricsSample {
  timestamp: number;
  tasksCompleted: number;
  successRate: number;
  averageResponseTime: number;
  resourceUtilization: number;
}

export interface Trends {
  successRateTrend: string;
  responseTrend: string;
  utilizationTrend: string;
}

export interface Participant {
  numId: number;
  role?: string;
  active?: boolean;
}

export interface Coordination {
  id: string;
  pattern: string;
  status: string;
  progress: number;
  stepsDone?: number;
  stepsTotal?: number;
  task?: string;
  detail?: string;
  participants: number[];
}

export interface StreamInfo {
  path: string;
  port: number;
  apiPort: number;
}

export interface Snapshot {
  seq: number;
  time: number;
  agents: AgentSummary[];
  coordinations: Array<Omit<Coordination, "participants"> & { participants: Array<Participant | number> }>;
  stream?: StreamInfo;
}

/** One event of the stream: `{"seq","time","type","data"}`. */
export interface StreamEvent {
  seq: number;
  time: number;
  type: string;
  data: Record<string, unknown>;
}
