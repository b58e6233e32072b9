// The engine's API as types, derived from the registry: each method takes its parameters'
// schema inputs and returns its handler's result. Named argument types for callers (the UI)
// are the schemas' inputs too, so a shape is declared once, as a schema.
import type { z } from 'zod';
import type { MethodEntry, Param } from '../resources/entry';
import type * as schemas from '../resources/schemas';
import type { EngineMethod, EntryOf, Namespaces } from './registry';

export type { PriceCreateArgs, PriceTierArgs } from '../rules/pricing/build';

/** A parameter list as a function's arguments; trailing parameters that take undefined are optional. */
type ArgumentsOf<P extends readonly Param[]> = P extends readonly [
  infer Head extends Param,
  ...infer Tail extends readonly Param[],
]
  ? undefined extends z.input<Head['schema']>
    ? [arg?: z.input<Head['schema']>, ...ArgumentsOf<Tail>]
    : [arg: z.input<Head['schema']>, ...ArgumentsOf<Tail>]
  : [];

/** The function an entry becomes in the public API. */
export type ApiFunction<E> =
  E extends MethodEntry<infer P, infer R> ? (...args: ArgumentsOf<P>) => R : never;

/** A namespace as functions; nested namespaces stay nested (sim.billing.creditGrants.create). */
type ApiOf<T> = {
  [K in keyof T]: T[K] extends { run: unknown } ? ApiFunction<T[K]> : ApiOf<T[K]>;
};

export type SimulatorApi = ApiOf<Namespaces> & {
  /** Prices a quantity under a price without touching state (for price curves). */
  quote: ApiFunction<EntryOf<'quote'>>;
};

export type EngineMethodArgs<M extends EngineMethod> = Parameters<ApiFunction<EntryOf<M>>>;
export type EngineMethodResult<M extends EngineMethod> = ReturnType<ApiFunction<EntryOf<M>>>;

/** Price arguments not yet created, for previews (the product may be left out). */
export type QuotablePrice = Exclude<EngineMethodArgs<'quote'>[0], string>;
export type ProductCreateArgs = z.input<typeof schemas.productCreateArgs>;
export type CustomerCreateArgs = z.input<typeof schemas.customerCreateArgs>;
export type CustomerUpdateArgs = z.input<typeof schemas.customerUpdateArgs>;
export type SubscriptionCreateArgs = z.input<typeof schemas.subscriptionCreateArgs>;
export type SubscriptionUpdateArgs = z.input<typeof schemas.subscriptionUpdateArgs>;
export type UsageRecordCreateArgs = z.input<typeof schemas.usageRecordCreateArgs>;
export type UsageRecordArgs = Omit<UsageRecordCreateArgs, 'subscriptionItem'>;
export type UsageRecordBatchArgs = z.input<typeof schemas.usageRecordBatchEnvelope>;
export type GeneratorCreateArgs = z.input<typeof schemas.generatorCreateArgs>;
export type GeneratorPreviewArgs = z.input<typeof schemas.generatorPreviewArgs>;
export type RequestOptions = NonNullable<z.input<typeof schemas.requestOptions>>;
export type VerifyOptions = NonNullable<z.input<typeof schemas.verifyOptions>>;
export type UsageSeriesArgs = z.input<typeof schemas.usageSeriesArgs>;
export type CouponCreateArgs = z.input<typeof schemas.couponCreateArgs>;
export type TaxRateCreateArgs = z.input<typeof schemas.taxRateCreateArgs>;
export type CreditGrantCreateArgs = z.input<typeof schemas.creditGrantCreateArgs>;
export type BalanceTransactionArgs = z.input<typeof schemas.balanceTransactionArgs>;
export type MeterEventCreateArgs = z.input<typeof schemas.meterEventCreateArgs>;
