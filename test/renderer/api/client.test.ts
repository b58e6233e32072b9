import { describe, expect, it } from 'vitest';
import { ApiError, createApiClient } from '../../../renderer/api/client';
import { EngineRefusal, FakeTransport } from '../fake-transport';

describe('api client', () => {
  it('returns the data of an ok envelope', async () => {
    const transport = new FakeTransport().on('testClock.retrieve', () => ({
      id: 'clock_1',
      object: 'test_clock',
      frozenTime: 1748390400,
    }));
    const api = createApiClient(transport);
    await expect(api.call('testClock.retrieve')).resolves.toMatchObject({ frozenTime: 1748390400 });
    expect(transport.calls).toEqual([{ method: 'testClock.retrieve', args: [] }]);
  });

  it('throws an ApiError carrying the engine envelope', async () => {
    const transport = new FakeTransport().on('products.create', () => {
      throw new EngineRefusal('parameter_missing', 'name', 'Missing required param name.');
    });
    const error = await createApiClient(transport)
      .call('products.create', { name: '' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).envelope).toEqual({
      type: 'invalid_request_error',
      code: 'parameter_missing',
      param: 'name',
      message: 'Missing required param name.',
    });
  });

  it('turns a failing transport into an api_error', async () => {
    const api = createApiClient({
      call: () => Promise.reject(new Error('connection refused')),
      onEvent: () => () => {},
      printInvoices: () => Promise.reject(new Error('connection refused')),
      printBacktest: () => Promise.reject(new Error('connection refused')),
      chooseUsageFile: () => Promise.reject(new Error('connection refused')),
    });
    const error = (await api.call('workspace.list').catch((e: unknown) => e)) as ApiError;
    expect(error.envelope).toMatchObject({ type: 'api_error', message: 'connection refused' });
    const printError = (await api.printInvoices().catch((e: unknown) => e)) as ApiError;
    expect(printError.envelope).toMatchObject({ type: 'api_error', message: 'connection refused' });
  });

  it("prints through the transport and throws the host's refusal", async () => {
    const transport = new FakeTransport();
    const api = createApiClient(transport);
    await expect(api.printInvoices('in_1')).resolves.toEqual({ kind: 'opened' });
    expect(transport.printed).toEqual(['in_1']);
    transport.printAnswer = {
      ok: false,
      error: {
        type: 'invalid_request_error',
        code: 'no_scenario_open',
        param: null,
        message: 'Open a scenario first: its invoices are exported.',
      },
    };
    const error = (await api.printInvoices().catch((e: unknown) => e)) as ApiError;
    expect(error.code).toBe('no_scenario_open');
  });
});
