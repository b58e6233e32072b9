// The views, each loaded on first use (its own chunk): the first screen parses only the shell and
// the view it shows, and Chart.js, which only charts need, stays out of it. After the first
// screen, the others are fetched one at a time while the page is idle, so switching is instant.
import type { Component } from 'svelte';
import type { AppState, ViewId } from '../state/app.svelte';

export type ViewComponent = Component<{ app: AppState }>;

const loaders: Record<ViewId, () => Promise<{ default: ViewComponent }>> = {
  scenarios: () => import('./ScenariosView.svelte'),
  catalog: () => import('./CatalogView.svelte'),
  customers: () => import('./CustomersView.svelte'),
  usage: () => import('./UsageView.svelte'),
  lab: () => import('./LabView.svelte'),
  compare: () => import('./CompareView.svelte'),
  invoices: () => import('./InvoicesView.svelte'),
  events: () => import('./EventsView.svelte'),
  backtest: () => import('./BacktestView.svelte'),
};

const loading = new Map<ViewId, Promise<ViewComponent>>();

/** The view's component, fetched once (a failed fetch is tried again next time). */
export function loadView(id: ViewId): Promise<ViewComponent> {
  let pending = loading.get(id);
  if (!pending) {
    pending = loaders[id]().then(
      (module) => module.default,
      (error: unknown) => {
        loading.delete(id);
        throw error;
      },
    );
    loading.set(id, pending);
  }
  return pending;
}

/** Fetches every view, one per idle moment of the page, and calls `loaded` with each. */
export function prefetchViews(loaded: (id: ViewId, view: ViewComponent) => void): void {
  const ids = Object.keys(loaders) as ViewId[];
  const idle = (next: () => void) =>
    typeof requestIdleCallback === 'function'
      ? requestIdleCallback(next, { timeout: 2000 })
      : setTimeout(next, 50);
  const step = () => {
    const id = ids.shift();
    if (!id) return;
    loadView(id).then(
      (view) => {
        loaded(id, view);
        idle(step);
      },
      () => idle(step),
    );
  };
  idle(step);
}
