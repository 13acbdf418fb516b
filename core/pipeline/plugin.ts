import type { Introspector } from './introspector.js';

/** A plugin taps the Introspector's hooks in apply(), as webpack plugins do. */
export interface Plugin {
  readonly name: string;
  apply(introspector: Introspector): void;
}
