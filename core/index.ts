// The public API of the engine: `createSimulator` and what its callers need around it.
export type * from './types';
export type * from './api';
export type * from './contract';
export { createSimulator } from './simulator';
export type { AdvanceProgress, Simulator, SimulatorOptions } from './simulator';
export { MeterlabError, toErrorEnvelope } from './errors';
export { formatMoney, formatExactMoney } from './money';
export { aggregationStrategies } from './aggregation';
export { pricingModels } from './pricing';
export { generatorPatterns } from './generators';
export { createDispatcher } from './dispatch';
export { Workspace } from './workspace';
export { MemoryWorkspaceStore } from './workspace-store';
export { exportScenario, importScenario, validateScenario } from './scenario/replay';
