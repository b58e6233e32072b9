// The public API of the engine.
export type * from './types';
export type * from './api';
export type * from './contract';
export { MeterlabError, toErrorEnvelope } from './errors';
