// The vocabulary every layer shares (workflows, activities, stores, API, CLI): one definition
// per enum, status list and id pattern. No Node module, no I/O. Workflow code imports values
// from ./vocabulary only (plain tuples, so zod stays out of the workflow bundle) and types
// from here.

export * from './schemas';
export * from './vocabulary';
