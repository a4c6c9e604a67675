import { injectionTargets, runInjectionProperty } from "../support/injection";

/** `npm run fuzz`: the injection property with ≥ 100,000 generated cases. */
const perTarget = Math.ceil(Number(process.env.WGKIT_FUZZ_CASES ?? 100000) / injectionTargets.length);
const t0 = Date.now();
const total = runInjectionProperty(perTarget);
console.log(JSON.stringify({ bench: "fuzz-injection", targets: injectionTargets.length, cases: total, ms: Date.now() - t0 }));
