// Types of reliability-report.mjs, for the TypeScript tests that call it.
export interface SuiteRow {
  readonly id: string
  readonly title: string
  readonly status: "passed" | "failed"
  readonly outcome: string
  readonly figures?: Readonly<Record<string, string | number>>
}
export interface SuiteRecord {
  readonly suite: string
  readonly intro?: string
  readonly machine?: string
  readonly rows: ReadonlyArray<SuiteRow>
  readonly notes?: ReadonlyArray<string>
}
export interface ReportOptions {
  readonly resultsDir?: string
  readonly docPath?: string
}
export declare const defaultResultsDir: string
export declare const defaultDocPath: string
export declare const SUITES: ReadonlyArray<{ readonly id: string; readonly heading: string }>
export declare const renderSuite: (suite: { readonly id: string; readonly heading: string }, record: SuiteRecord) => string
export declare const renderDocument: (options?: ReportOptions) => string
export declare const writeReport: (options?: ReportOptions) => string
export declare const listRecords: (resultsDir?: string) => ReadonlyArray<string>
