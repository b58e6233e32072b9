// The public API of the engine: `createSimulator` and what its callers need around it.
export type * from './public/types';
export type * from './simulator/api';
export type * from './contract';
export { createSimulator } from './simulator';
export type { AdvanceProgress, Simulator, SimulatorOptions } from './simulator';
export { MeterlabError, toErrorEnvelope } from './values/errors';
export { formatMoney, formatExactMoney } from './public/format';
export { aggregationStrategies, generatorPatterns, pricingModels } from './public/descriptions';
export { createDispatcher } from './dispatch';
export { Workspace } from './workspace';
export { MemoryWorkspaceStore } from './workspace-store';
export { exportScenario, importScenario, validateScenario } from './scenario/replay';
