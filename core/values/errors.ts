// The one error type of the engine, shaped like stripe-node's: `type`, a stable `code` from the
// catalogue below, the offending `param`, and a message that says how to fix the call.

export type ErrorType =
  | 'invalid_request_error'
  | 'idempotency_error'
  | 'card_error'
  | 'signature_verification_error'
  | 'api_error';

/** Every error code Meterlab answers with, and what it means (README lists them from here). */
export const errorCodes = {
  // Arguments
  parameter_missing: 'A required argument or field is missing.',
  parameter_invalid: 'An argument or field has the wrong type, form or range.',
  parameter_unknown: 'A field the method does not take (params are camelCase, as in the guide).',
  parameter_conflict: 'Two fields that cannot be given together.',
  parameter_not_allowed: 'A field that does not apply to this kind of object.',
  unknown_method: 'The method name is not in the contract.',
  request_aborted: 'The caller cancelled the call before it ran.',
  // Objects
  resource_missing: 'No object has this id.',
  resource_already_exists: 'An object with this id exists already.',
  // Prices and money
  price_invalid: 'The price fields do not make a valid price.',
  amount_invalid: 'An amount is not a non-negative decimal of minor units.',
  amount_too_large: 'An amount goes beyond the exact integer range of minor units.',
  currency_invalid: 'Not an active ISO 4217 currency code.',
  currency_mismatch: 'Prices or amounts in different currencies where one is needed.',
  interval_mismatch: 'Items of one subscription must share their billing interval.',
  interval_count_too_large: 'A billing period is at most one year.',
  aggregate_usage_requires_metered: 'aggregateUsage applies to metered prices only.',
  tiers_not_increasing: "Tiers' upTo must increase.",
  tiers_last_not_inf: "The last tier's upTo must be 'inf'.",
  tiers_inf_not_last: "Only the last tier's upTo may be 'inf'.",
  price_not_metered: 'The operation needs a metered price.',
  // Subscriptions
  duplicate_price: 'A price appears twice on one subscription.',
  quantity_not_allowed: 'Metered items have no quantity.',
  quantity_too_large: 'A quantity beyond the range the engine bills exactly.',
  usage_type_change: 'An item cannot switch between licensed and metered.',
  subscription_ended: 'The subscription has ended.',
  // Money adjustments
  invalid_coupon: 'The coupon fields do not make a valid coupon (percent or amount, duration).',
  duplicate_coupon: 'A coupon appears twice in one discount list.',
  tax_rates_invalid: 'A tax rate list repeats a rate or has more than one inclusive rate.',
  balance_transaction_invalid: 'A balance transaction amount must be a non-zero integer.',
  credit_grant_invalid: 'The credit grant fields do not make a valid grant.',
  credit_grant_not_active: 'The credit grant has expired or was voided already.',
  invalid_billing_cycle_anchor: 'The billing cycle anchor must fall inside the first interval.',
  invalid_trial_end: 'The trial must end after the clock.',
  trial_conflict: 'trialEnd and trialPeriodDays cannot be given together.',
  invalid_backdate_start_date: 'A backdated start must lie within one interval before now.',
  invalid_billing_thresholds:
    'Billing thresholds must be positive integers, usageGte on metered items only, one per item.',
  billing_thresholds_unsupported_formula:
    "Thresholds need every metered item's usage to only grow: sum or count meters, no last_ever.",
  credit_grant_already_applied:
    'Part of the credit grant paid a finalized invoice: expire it instead.',
  // Usage
  usage_on_licensed_item: 'Usage records need an item with a metered price.',
  subscription_item_ended: "The item's subscription has ended: no more usage.",
  timestamp_backdated: "The record falls before the item's open period (and no draft takes it).",
  timestamp_in_future:
    'Stamped after the clock (records), or over 5 minutes after it (meter events).',
  idempotency_key_reused: 'The idempotency key was used with other parameters.',
  generator_state_mismatch: "A generator's saved position does not match its spec.",
  usage_columns_invalid: 'Stored usage columns are malformed.',
  usage_columns_mismatch: 'Stored usage timestamps and values differ in length.',
  usage_not_ascending: "A scenario file's usage timestamps are not ascending.",
  usage_before_start: "A scenario file's usage falls before its startTime.",
  batch_invalid: 'A usage batch is not a list of records.',
  // Billing meters and meter events
  meter_event_name_taken: 'Another meter already uses this event name.',
  invalid_customer_mapping: "A meter's customerMapping.type must be 'by_id'.",
  invalid_aggregation_formula: 'The formula is not sum, count, last, max or unique_count.',
  meter_status_unchanged: 'The meter already has this status.',
  meter_and_aggregate_usage: 'A price with a meter takes no aggregateUsage.',
  meter_requires_metered: 'A meter applies to metered prices only.',
  meter_inactive: 'The meter is inactive: reactivate it first.',
  usage_records_not_supported: 'The item bills from a meter: send meter events instead.',
  no_meter: 'No meter has this event name.',
  archived_meter: "The event's meter is inactive.",
  meter_event_no_customer_defined: "The payload lacks the meter's customer key.",
  meter_event_customer_not_found: "The payload's customer does not exist.",
  meter_event_value_not_found: "The payload lacks the meter's value key.",
  meter_event_invalid_value: "The payload's value is not a valid decimal (or string).",
  meter_event_value_too_many_digits: 'The value has more than 15 significant digits.',
  timestamp_too_far_in_past: 'The event is stamped more than 35 days before the clock.',
  duplicate_meter_event: 'An event with this identifier was sent less than 24 hours ago.',
  meter_event_period_finalized: 'The event falls in a period whose invoice is finalized.',
  invalid_adjustment_type: "The adjustment type must be 'cancel'.",
  meter_event_cancel_window_expired: 'The event is older than 24 hours: it cannot be canceled.',
  meter_event_already_canceled: 'The event is canceled already.',
  summary_time_not_aligned: 'Summary times must align to minutes, hours or UTC days.',
  // Invoices and payments
  invoice_not_payable: 'Only open or uncollectible invoices can be paid.',
  invoice_not_voidable: 'Only open or uncollectible invoices can be voided.',
  invoice_not_open: 'Only open invoices can be marked uncollectible.',
  card_declined: 'The test card declines every charge.',
  insufficient_funds: 'The test card has insufficient funds.',
  payment_method_missing: 'The customer has no default payment method.',
  // Clock
  clock_moves_forward_only: 'The test clock only moves forward.',
  work_too_large:
    'The call would generate or replay more than its limit allows (the message says how much).',
  // Webhook signatures
  signature_missing: 'No signature header was given.',
  signature_malformed: 'The signature header is not t=…,v1=….',
  signature_mismatch: 'No v1 signature matches the payload and secret.',
  timestamp_outside_tolerance: "The signature's timestamp is outside the tolerance.",
  secret_missing: 'No secret to verify with: pass one or create a webhook endpoint.',
  payload_invalid: 'The signed payload is not JSON.',
  // Snapshots and scenario files
  snapshot_invalid: 'A stored snapshot is damaged or incomplete.',
  snapshot_too_new: 'The snapshot comes from a newer Meterlab.',
  scenario_invalid: 'The scenario file does not validate.',
  scenario_format_unknown: 'The file is not a meterlab-scenario file.',
  scenario_too_new: 'The scenario file comes from a newer Meterlab.',
  calls_out_of_order: "A scenario file's calls are not in time order.",
  clock_before_start: "A scenario file's clock is before its start.",
  replay_id_mismatch: 'Replaying a call created another id than the file says.',
  time_out_of_range: 'Rewind or branch at a time before the scenario starts or after its clock.',
  // Workspace and hosts
  no_scenario_open: 'No scenario is open.',
  scenario_not_found: 'No scenario has this id.',
  template_not_found: 'No template has this id.',
  nothing_to_undo: 'No deleted scenario or rewind to undo.',
  workspace_corrupt: 'The workspace file does not read as JSON.',
  workspace_invalid: 'The workspace file has the wrong shape.',
  workspace_damaged: 'Scenarios of the workspace were damaged and left out (kept in a backup).',
  workspace_too_new: 'The workspace file comes from a newer Meterlab.',
  workspace_read_only: 'The workspace is open read-only.',
  save_failed: 'The change was made but could not be saved.',
  sender_not_allowed: 'An IPC message came from a frame that may not call.',
  port_unavailable: 'The developer sandbox cannot listen on that port (in use, or needs rights).',
  sandbox_not_available: 'This host runs no developer sandbox (the CLI, tests).',
  invalid_print_options: "The desktop app's print options are not { includeZero: true | false }.",
  pdf_failed: 'The PDF could not be printed.',
  // Backtests in the window
  backtest_not_available: 'This host runs no backtests beside a window (use `meterlab backtest`).',
  usage_file_missing: 'No usage file has this handle (choose or upload it again).',
  usage_file_too_large: 'The uploaded usage file is over the upload limit (50 MiB).',
  usage_file_unreadable: 'The usage file cannot be read as CSV, JSON Lines or Parquet.',
  usage_file_empty: 'The usage file holds no rows.',
  usage_column_missing: 'The usage file has no column for a field of the mapping.',
  usage_rows_invalid: 'The usage file has bad rows (listed); nothing was imported.',
  backtest_running: 'A backtest is running already: wait for it or cancel it.',
  backtest_cancelled: 'The backtest was cancelled; nothing was imported.',
  backtest_not_run: 'No backtest has been run yet in this window.',
  backtest_superseded: 'A newer edit re-priced the backtest: this re-pricing was dropped.',
  backtest_rerun_needed: 'The edit needs usage the last run did not read: run the backtest again.',
  clickhouse_unreachable: 'No ClickHouse server answers at the URL (or it refused the login).',
  clickhouse_table_missing: 'The ClickHouse server has no such table (or database).',
  clickhouse_query_failed: 'The ClickHouse server refused or failed the query.',
  transport_error: 'The host answered without a result envelope (the UI says so).',
  no_tabs: 'This page cannot open tabs to print (the UI says so).',
  result_not_json: 'A method returned something that is not plain JSON (a bug).',
  internal_error: 'An unexpected error (a bug): the call changed nothing.',
} as const;

export type ErrorCode = keyof typeof errorCodes;

/** Errors cross process boundaries as this plain envelope. */
export interface ErrorEnvelope {
  type: string;
  code: string;
  param: string | null;
  message: string;
}

export class MeterlabError extends Error {
  readonly type: ErrorType;
  readonly code: ErrorCode;
  readonly param: string | null;

  constructor(type: ErrorType, code: ErrorCode, param: string | null, message: string) {
    super(message);
    this.name = 'MeterlabError';
    this.type = type;
    this.code = code;
    this.param = param;
  }

  toEnvelope(): ErrorEnvelope {
    return { type: this.type, code: this.code, param: this.param, message: this.message };
  }
}

export function invalidRequest(
  code: ErrorCode,
  param: string | null,
  message: string,
): MeterlabError {
  return new MeterlabError('invalid_request_error', code, param, message);
}

/** Any thrown value as an envelope; unexpected errors become api_error without a stack. */
export function toErrorEnvelope(error: unknown): ErrorEnvelope {
  if (error instanceof MeterlabError) return error.toEnvelope();
  const message = error instanceof Error ? error.message : String(error);
  return { type: 'api_error', code: 'internal_error', param: null, message };
}
