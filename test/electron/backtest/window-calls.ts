// Calls to a Backtest window the way the hosts make them, for the window's tests: `call` gives the
// envelope, `ok` the data of an answer that must succeed. The window is read when a call is made
// (the tests create it in beforeAll); the events it sends are kept in `events`.
import type { DispatchResult, HostEvent } from '../../../core/contract';
import type { BacktestWindow } from '../../../electron/backtest/window';

export function windowCalls(window: () => BacktestWindow, events: HostEvent[]) {
  async function call<T>(method: string, args?: unknown): Promise<DispatchResult<T>> {
    return (await window().dispatch(method, args === undefined ? [] : [args], {
      onEvent: (event) => events.push(event),
    })) as DispatchResult<T>;
  }
  async function ok<T>(method: string, args?: unknown): Promise<T> {
    const result = await call<T>(method, args);
    if (!result.ok) throw new Error(`${method}: ${result.error.code} ${result.error.message}`);
    return result.data;
  }
  return { call, ok };
}
