/**
 * ComponentError: a WgKitError that names the component instance it came from, as CDK errors
 * carry the construct path. With two servers in a stack, a bare field path is ambiguous.
 *
 * Invariant: a ComponentError IS a WgKitError with the original `field` and `rule` unchanged;
 * only the message gains the prefix `<Type> "<name>": ` and `component` holds that prefix.
 * An error that already names a component is passed on as it is (the innermost component is
 * the one whose args were wrong), and anything that is not a WgKitError is rethrown untouched.
 * Failure mode: the name is shown as `JSON.stringify` gives it, so a hostile resource name
 * cannot add a line to the message.
 */
import { WgKitError, withoutValue } from "@wgkit/core";

export class ComponentError extends WgKitError {
  /** The component instance, e.g. `WireGuardServer "home"`. */
  public readonly component: string;

  constructor(component: string, cause: WgKitError) {
    super(cause.field, cause.rule, "");
    this.component = component;
    this.message = `${component}: ${cause.message}`;
  }
}

/** `WireGuardServer "home"` from a type token (`wgkit:index:WireGuardServer`) and a resource name. */
export function componentLabel(typeToken: string, name: string): string {
  // A name that is not a string (an Output from another language) is never shown: its JSON is the Output's warning text.
  return `${typeToken.split(":").pop()} ${typeof name === "string" ? JSON.stringify(name) : "(name not a string)"}`;
}

/** Runs `fn`; a WgKitError it throws is rethrown as a ComponentError naming `typeToken` `name`. */
export function naming<T>(typeToken: string, name: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof WgKitError && !(e instanceof ComponentError)) throw new ComponentError(componentLabel(typeToken, name), e);
    throw e;
  }
}

/**
 * `naming` for validation of values resolved later (Outputs, possibly secret): the error names
 * the instance, field and rule, and shows no part of the value.
 */
export function namingResolved(typeToken: string, name: string): <T>(fn: () => T) => T {
  return (fn) => naming(typeToken, name, () => {
    try {
      return fn();
    } catch (e) {
      throw withoutValue(e);
    }
  });
}
