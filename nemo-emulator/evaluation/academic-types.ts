// The academic benchmark types the emulator's Evaluator runs (see academic.ts), with how many
// items each holds. No imports: the config schema and the runner both read it.
export const ACADEMIC_BENCHMARKS = { gsm8k: { defaultLimit: 120 } } as const;
