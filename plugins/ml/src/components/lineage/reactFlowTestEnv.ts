/**
 * What React Flow needs from a browser that jsdom lacks: ResizeObserver, DOMMatrix
 * (zoom transforms) and element sizes. With these it renders its nodes; nothing is
 * laid out for real, so tests check what the nodes say and where they link.
 *
 * @internal
 */
export function mockReactFlowDom() {
  class ResizeObserverStub {
    constructor(private readonly callback: ResizeObserverCallback) {}
    observe(target: Element) {
      this.callback(
        [{ target } as ResizeObserverEntry],
        this as unknown as ResizeObserver,
      );
    }
    unobserve() {}
    disconnect() {}
  }
  class DOMMatrixReadOnlyStub {
    m22: number;
    constructor(transform?: string) {
      const scale = transform?.match(/scale\(([0-9.]+)\)/)?.[1];
      this.m22 = scale === undefined ? 1 : Number(scale);
    }
  }
  Object.assign(globalThis, {
    ResizeObserver: ResizeObserverStub,
    DOMMatrixReadOnly: DOMMatrixReadOnlyStub,
  });
  Object.defineProperties(HTMLElement.prototype, {
    offsetHeight: {
      configurable: true,
      get() {
        return parseFloat(this.style.height) || 1;
      },
    },
    offsetWidth: {
      configurable: true,
      get() {
        return parseFloat(this.style.width) || 1;
      },
    },
  });
  (SVGElement.prototype as unknown as { getBBox: () => DOMRect }).getBBox =
    () => ({ x: 0, y: 0, width: 0, height: 0 } as DOMRect);
}
