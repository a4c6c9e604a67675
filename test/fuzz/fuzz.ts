import { componentTargets, injectionTargets, runComponentInjection, runInjectionProperty } from "../support/injection";

/** `npm run fuzz`: the injection property with ≥ 100,000 generated cases. */
const cases = Number(process.env.WGKIT_FUZZ_CASES ?? 100000);
let t0 = Date.now();
const renderers = runInjectionProperty(Math.ceil(cases / injectionTargets.length));
console.log(JSON.stringify({ bench: "fuzz-injection", level: "renderers", targets: injectionTargets.length, cases: renderers, ms: Date.now() - t0 }));
t0 = Date.now();
const components = runComponentInjection(Math.ceil(cases / componentTargets.length));
console.log(JSON.stringify({ bench: "fuzz-injection", level: "component inputs", targets: componentTargets.length, cases: components, ms: Date.now() - t0 }));
