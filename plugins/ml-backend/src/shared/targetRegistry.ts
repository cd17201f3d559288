/**
 * Targets an extension point collects, by id (compute targets, serving targets). An id
 * registered twice stops the backend at startup.
 *
 * @internal
 */
export class TargetRegistry<T extends { readonly id: string }> extends Map<
  string,
  T
> {
  constructor(private readonly kind: string) {
    super();
  }

  protected add(targets: T[]): void {
    for (const target of targets) {
      if (this.has(target.id)) {
        throw new Error(`${this.kind} '${target.id}' is registered twice`);
      }
      this.set(target.id, target);
    }
  }
}
